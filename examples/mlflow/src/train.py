"""Train a scikit-learn classifier and log it with MLflow, the way an Azure ML job does.

The job's environment names the tracking server (MLFLOW_TRACKING_URI), the run (MLFLOW_RUN_ID) and a token that may
write only to that run; `mlflow.start_run()` resumes that run instead of creating another.
"""
import argparse
import json
import os
import tempfile

import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--alpha", type=float, default=0.001)
parser.add_argument("--model-name", default="iris-classifier")
args = parser.parse_args()

mlflow.sklearn.autolog(log_models=False)  # params and training metrics of every fit()

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

with mlflow.start_run() as run:
    print(f"logging to run {run.info.run_id} at {mlflow.get_tracking_uri()}")
    mlflow.log_params({"epochs": args.epochs, "alpha_arg": args.alpha, "test_size": 0.3})
    mlflow.set_tags({"framework": "scikit-learn", "dataset": "iris"})

    model = SGDClassifier(loss="log_loss", alpha=args.alpha, random_state=0)
    classes = sorted(set(y))
    for epoch in range(args.epochs):
        model.partial_fit(X_train, y_train, classes=classes)
        loss = log_loss(y_test, model.predict_proba(X_test), labels=classes)
        mlflow.log_metric("loss", loss, step=epoch)
        mlflow.log_metric("accuracy", accuracy_score(y_test, model.predict(X_test)), step=epoch)
        print(f"epoch {epoch}: loss={loss:.4f}", flush=True)

    model.fit(X_train, y_train)  # autolog records this fit's params and training score
    final = {"test_accuracy": accuracy_score(y_test, model.predict(X_test)), "test_loss": log_loss(y_test, model.predict_proba(X_test))}
    mlflow.log_metrics(final)
    mlflow.log_dict({"classes": [int(c) for c in classes], **final}, "summary/summary.json")

    notes = os.path.join(tempfile.mkdtemp(), "notes.txt")
    with open(notes, "w") as f:
        f.write(f"SGDClassifier on iris, {args.epochs} epochs, alpha={args.alpha}\n")
    mlflow.log_artifact(notes)

    mlflow.sklearn.log_model(model, "model", registered_model_name=args.model_name)
    print(json.dumps(final))
