"""Prints a line per epoch and logs two metrics per epoch through the MLflow REST API of mlw's tracking server
(the environment of every run has MLFLOW_TRACKING_URI, MLFLOW_RUN_ID and MLFLOW_TRACKING_TOKEN)."""
import argparse
import json
import os
import sys
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()
tracking = os.environ.get("MLFLOW_TRACKING_URI")
run_id = os.environ.get("MLFLOW_RUN_ID")
token = os.environ.get("MLFLOW_TRACKING_TOKEN")
if not tracking or not run_id:
    sys.exit("no MLFLOW_TRACKING_URI / MLFLOW_RUN_ID in the environment")


def log_metric(key, value, step):
    body = json.dumps({"run_id": run_id, "key": key, "value": value, "step": step, "timestamp": int(time.time() * 1000)}).encode()
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    urllib.request.urlopen(urllib.request.Request(f"{tracking}/api/2.0/mlflow/runs/log-metric", data=body, headers=headers)).read()


for epoch in range(1, args.epochs + 1):
    accuracy = round(0.5 + 0.15 * epoch, 4)
    print(f"epoch {epoch}/{args.epochs} accuracy {accuracy}", flush=True)
    log_metric("accuracy", accuracy, epoch)
    log_metric("loss", round(1.0 / epoch, 4), epoch)
print("training done", flush=True)
