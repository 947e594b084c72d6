"""Sweep trial: trains a gradient-boosting classifier with the sampled hyperparameters and logs the metrics."""
import argparse

import mlflow
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import cross_val_score

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True)
parser.add_argument("--learning-rate", type=float, default=0.1)
parser.add_argument("--n-estimators", type=int, default=100)
parser.add_argument("--max-depth", type=int, default=3, help="0: no limit")
parser.add_argument("--subsample", type=float, default=1.0)
parser.add_argument("--model-output", default=None)
args = parser.parse_args()

df = pd.read_csv(args.data)
X, y = df.drop(columns=["species"]), df["species"]
model = GradientBoostingClassifier(
    learning_rate=args.learning_rate,
    n_estimators=args.n_estimators,
    max_depth=args.max_depth or None,  # randint's range starts at 0, which scikit-learn does not take
    subsample=args.subsample,
)
accuracy = cross_val_score(model, X, y, cv=3).mean()
mlflow.log_metric("accuracy", accuracy)
mlflow.log_metric("error_rate", 1.0 - accuracy)
if args.model_output:
    mlflow.sklearn.save_model(model.fit(X, y), args.model_output)
