"""Train a scikit-learn classifier on every CSV in a folder, log metrics with MLflow and save the model."""
import argparse
import glob
import os

import mlflow
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="folder of CSV files with a `species` column")
parser.add_argument("--labels", required=True, help="CSV file with extra labelled rows")
parser.add_argument("--n-estimators", type=int, default=100)
parser.add_argument("--max-depth", type=int, default=None)
parser.add_argument("--test-size", type=float, default=0.25)
parser.add_argument("--model-output", required=True)
parser.add_argument("--metrics-output", required=True)
args = parser.parse_args()

frames = [pd.read_csv(p) for p in sorted(glob.glob(os.path.join(args.data, "*.csv")))]
frames.append(pd.read_csv(args.labels))
df = pd.concat(frames, ignore_index=True)
print(f"{len(df)} rows from {len(frames)} files")

X_train, X_test, y_train, y_test = train_test_split(
    df.drop(columns=["species"]), df["species"], test_size=args.test_size, random_state=0, stratify=df["species"]
)
with mlflow.start_run():
    mlflow.log_params({"n_estimators": args.n_estimators, "max_depth": args.max_depth})
    model = RandomForestClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth, random_state=0)
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    mlflow.log_metric("accuracy", accuracy)
    mlflow.sklearn.save_model(model, args.model_output)
    with open(os.path.join(args.metrics_output, "metrics.csv"), "w") as f:
        f.write(f"accuracy,{accuracy}\n")
