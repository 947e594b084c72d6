import json
import os


def init():
    global factor
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.json")) as f:
        factor = json.load(f)["factor"]


def run(raw_data):
    return {"tripled": [x * factor for x in json.loads(raw_data)["data"]]}
