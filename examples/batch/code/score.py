"""Scores files of three comma-separated features with a linear model: one row per file, `file,score,label`."""
import json
import logging
import os

model = None


def init():
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.json")) as f:
        model = json.load(f)
    logging.info("model loaded: %s", model)


def run(mini_batch):
    rows = []
    for path in mini_batch:
        with open(path) as f:
            features = [float(value) for value in f.read().split(",")]
        score = sum(w * x for w, x in zip(model["weights"], features)) + model["bias"]
        rows.append([os.path.basename(path), round(score, 4), int(score > 0)])
    return rows
