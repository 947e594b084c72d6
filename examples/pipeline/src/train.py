"""Train a logistic regression on train.csv and save an MLflow model."""
import argparse
import os

import mlflow
import pandas as pd
from sklearn.linear_model import LogisticRegression

parser = argparse.ArgumentParser()
parser.add_argument("--train-data", required=True)
parser.add_argument("--learning-rate", type=float, default=0.1)
parser.add_argument("--max-iter", type=int, default=200)
parser.add_argument("--penalty", default="l2")
parser.add_argument("--model-output", required=True)
args = parser.parse_args()

df = pd.read_csv(os.path.join(args.train_data, "train.csv"))
X, y = df.drop(columns=["species"]), df["species"]
# scikit-learn's C is an inverse regularization strength; map the "learning rate" knob onto it.
model = LogisticRegression(C=1.0 / args.learning_rate, max_iter=args.max_iter, penalty=args.penalty)
model.fit(X, y)
mlflow.log_metric("accuracy", model.score(X, y))
mlflow.sklearn.save_model(model, args.model_output)
