"""Scores iris measurements with the scikit-learn classifier that examples/mlflow trained and registered."""
import json
import os

import mlflow.sklearn

SPECIES = ["setosa", "versicolor", "virginica"]


def init():
    # AZUREML_MODEL_DIR holds the registered model's folder under its own name: `model`, as the job logged it.
    global model
    model = mlflow.sklearn.load_model(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model"))
    print(f"model loaded: {type(model).__name__}", flush=True)


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    for row in rows:
        if len(row) != 4:
            raise ValueError(f"each row needs 4 measurements, got {len(row)}")
    predictions = [SPECIES[int(label)] for label in model.predict(rows)] if rows else []
    return {"predictions": predictions, "deployment": os.environ.get("DEPLOYMENT_COLOR", "")}
