"""Logs `--points` metric points `sent_ms`, one every `--interval-ms`, through the MLflow REST API of mlw's tracking
server. Each point's value is its send time (epoch milliseconds, taken right before the request) and its step its
index, so the channel line `metric sent_ms=<send time> step=<i>` says when it was sent. The points start once
`--go-file` exists: the benchmark creates it when the job's output channel is on screen."""
import argparse
import json
import os
import sys
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--points", type=int, default=40)
parser.add_argument("--interval-ms", type=int, default=100)
parser.add_argument("--go-file", required=True)
parser.add_argument("--wait-s", type=float, default=120)
args = parser.parse_args()
tracking = os.environ.get("MLFLOW_TRACKING_URI")
run_id = os.environ.get("MLFLOW_RUN_ID")
token = os.environ.get("MLFLOW_TRACKING_TOKEN")
if not tracking or not run_id:
    sys.exit("no MLFLOW_TRACKING_URI / MLFLOW_RUN_ID in the environment")
headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}

deadline = time.monotonic() + args.wait_s
while not os.path.exists(args.go_file):
    if time.monotonic() > deadline:
        sys.exit(f"{args.go_file} did not appear within {args.wait_s} s")
    time.sleep(0.02)
print("sending", args.points, "points", flush=True)

for step in range(args.points):
    sent_ms = int(time.time() * 1000)
    body = json.dumps({"run_id": run_id, "key": "sent_ms", "value": sent_ms, "step": step, "timestamp": sent_ms}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{tracking}/api/2.0/mlflow/runs/log-metric", data=body, headers=headers)).read()
    time.sleep(args.interval_ms / 1000)
print("probe done", flush=True)
