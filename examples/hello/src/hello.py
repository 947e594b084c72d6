"""Hello world for mlw: prints a greeting and where the job runs."""
import argparse
import os
import platform

parser = argparse.ArgumentParser(description="Print a greeting.")
parser.add_argument("--greeting", default="Hello, world")
args = parser.parse_args()

print(args.greeting)
print(f"python {platform.python_version()} on {platform.node()}")
# mlw sets the MLflow variables, so `import mlflow` in a job logs to the workspace without configuration.
print(f"MLFLOW_RUN_ID={os.environ.get('MLFLOW_RUN_ID', '(not set)')}")
