"""Scores iris measurements with the linear model, in Azure ML's scoring script form."""
import json
import os


def init():
    # AZUREML_MODEL_DIR holds the registered model's folder under its own name, as in Azure ML.
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "iris-linear.json")) as f:
        model = json.load(f)
    print("model loaded", flush=True)


def run(raw_data):
    rows = json.loads(raw_data)["data"]
    predictions = []
    for row in rows:
        if len(row) != 4:
            raise ValueError(f"each row needs 4 measurements, got {len(row)}")
        scores = [sum(w * x for w, x in zip(weights, row)) + b for weights, b in zip(model["weights"], model["bias"])]
        predictions.append(model["classes"][scores.index(max(scores))])
    return {"predictions": predictions, "deployment": os.environ.get("DEPLOYMENT_COLOR", "")}
