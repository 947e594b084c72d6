"""mlw's scoring script for batch deployments of MLflow models without one of their own, as Azure ML scores them.

init() loads the model with mlflow.pyfunc from $AZUREML_MODEL_DIR/<model folder>; run(mini_batch) reads each file
(.csv with a header, .parquet when pandas can read it), predicts, and returns one row per input row: the file's name,
then the prediction. A file it cannot read or score is a failed item, with its reason in mlw_failed_items.
"""
import json
import logging
import os

import mlflow.pyfunc
import pandas as pd

LOG = logging.getLogger("mlw.batch.mlflow")
READERS = {".csv": pd.read_csv, ".parquet": pd.read_parquet}
mlw_failed_items = []


def init():
    global model
    name = json.loads(os.environ["MLW_BATCH_SETTINGS"]).get("model_name") or "model"
    folder = os.path.join(os.environ["AZUREML_MODEL_DIR"], name)
    model = mlflow.pyfunc.load_model(folder)
    LOG.info("loaded MLflow model %s", name)


def prediction_rows(file_name, predictions):
    if isinstance(predictions, pd.DataFrame):
        predictions = predictions.values
    values = predictions.tolist() if hasattr(predictions, "tolist") else list(predictions)
    return [[file_name, *value] if isinstance(value, (list, tuple)) else [file_name, value] for value in values]


def score(path):
    extension = os.path.splitext(path)[1].lower()
    reader = READERS.get(extension)
    if reader is None:
        raise ValueError("file type '" + (extension.lstrip(".") or "none") + "' is not supported (supported: csv, parquet)")
    return prediction_rows(os.path.basename(path), model.predict(reader(path)))


def run(mini_batch):
    del mlw_failed_items[:]
    rows = []
    for path in mini_batch:
        try:
            rows.extend(score(path))
        except Exception as error:
            mlw_failed_items.append("error processing input file " + os.path.basename(path) + ": " + type(error).__name__ + ": " + str(error))
    return rows
