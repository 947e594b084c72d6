"""mlw's scoring script for no-code deployments of MLflow models, with Azure ML's MLflow request format.

The body is {"input_data": {"columns": [...], "index": [...], "data": [[...]]}} (a pandas split frame) or
{"input_data": [[...]]}; MLflow's own {"dataframe_split": ...}, {"dataframe_records": [...]}, {"instances": ...} and
{"inputs": ...} are read too. The answer is the model's predictions as a list (or a list of records).
"""
import json
import os

import mlflow.pyfunc
import pandas as pd


def init():
    global model
    model = mlflow.pyfunc.load_model(os.environ["MLW_MODEL_PATH"])
    print(f"loaded MLflow model from {os.environ['MLW_MODEL_PATH']}", flush=True)


def to_frame(body):
    if not isinstance(body, dict):
        raise ValueError("the request must be a JSON object with input_data (or dataframe_split, dataframe_records, instances, inputs)")
    if "input_data" in body:
        data = body["input_data"]
        return pd.DataFrame(**data) if isinstance(data, dict) and "data" in data else pd.DataFrame(data)
    if "dataframe_split" in body:
        return pd.DataFrame(**body["dataframe_split"])
    if "dataframe_records" in body:
        return pd.DataFrame(body["dataframe_records"])
    for key in ("instances", "inputs"):
        if key in body:
            return pd.DataFrame(body[key])
    raise ValueError(f"no input_data in the request (keys: {', '.join(body) or 'none'})")


def run(raw_data):
    predictions = model.predict(to_frame(json.loads(raw_data)))
    if isinstance(predictions, pd.DataFrame):
        return predictions.to_dict(orient="records")
    if hasattr(predictions, "tolist"):
        return predictions.tolist()
    return predictions
