"""The same sequence of MLflow client calls, run against any tracking server; prints what came back as JSON.

Ids and times are replaced or dropped so the output of two servers can be compared field by field.
"""
import json
import os
import sys
import tempfile

from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.utils.proto_json_utils import message_to_json

TIME_FIELDS = {"start_time", "end_time", "creation_time", "last_update_time", "creation_timestamp", "last_updated_timestamp", "timestamp_ms"}
client = MlflowClient()
out = {}
ids = {}


def proto(entity):
    return json.loads(message_to_json(entity.to_proto()))


def error_of(call):
    try:
        call()
    except MlflowException as error:
        return {"error_code": error.error_code}
    return {"error_code": None}


def normalize(value):
    if isinstance(value, dict):
        return {k: "<experiment>" if k == "experiment_id" else normalize(v) for k, v in value.items() if k not in TIME_FIELDS}
    if isinstance(value, list):
        items = [normalize(v) for v in value]
        if items and all(isinstance(i, dict) and "key" in i for i in items):
            items.sort(key=lambda i: (i["key"], i.get("step", 0)))
        return items
    if isinstance(value, str):
        for name, ident in ids.items():
            value = value.replace(ident, f"<{name}>")
        value = value.replace(f"mlflow-artifacts:/{experiment_id}", "mlflow-artifacts:/<experiment>")
    return value


experiment_id = client.create_experiment("diff-experiment", tags={"team": "vision"})
out["experiment"] = proto(client.get_experiment(experiment_id))
out["experiment_by_name"] = proto(client.get_experiment_by_name("diff-experiment"))
out["experiment_search"] = [proto(e) for e in client.search_experiments(filter_string="name = 'diff-experiment'")]
out["experiment_duplicate"] = error_of(lambda: client.create_experiment("diff-experiment"))
out["experiment_missing"] = error_of(lambda: client.get_experiment("987654"))
client.set_experiment_tag(experiment_id, "stage", "dev")
out["experiment_tagged"] = proto(client.get_experiment(experiment_id))

run = client.create_run(experiment_id, run_name="first", tags={"kind": "diff"})
ids["run"] = run.info.run_id
out["run_created"] = proto(run)
client.log_param(run.info.run_id, "lr", "0.1")
out["param_change"] = error_of(lambda: client.log_param(run.info.run_id, "lr", "0.2"))
for step in range(5):
    client.log_metric(run.info.run_id, "loss", 1.0 / (step + 1), timestamp=1700000000000 + step, step=step)
client.log_metric(run.info.run_id, "odd", float("nan"), timestamp=1700000000100, step=0)
client.log_batch(run.info.run_id, metrics=[Metric("acc", 0.5 + i / 10, 1700000000200 + i, i) for i in range(3)],
                 params=[Param("depth", "3"), Param("kernel", "rbf")], tags=[RunTag("batch", "yes")])
client.set_tag(run.info.run_id, "temporary", "x")
client.delete_tag(run.info.run_id, "temporary")
client.log_inputs(run.info.run_id, [DatasetInput(Dataset("iris", "d1g3st", "local", '{"uri": "/data/iris.csv"}', None, None), [InputTag("mlflow.data.context", "train")])])
client.log_dict(run.info.run_id, {"a": 1}, "config/config.json")
notes = os.path.join(tempfile.mkdtemp(), "notes.txt")
with open(notes, "w") as f:
    f.write("hello\n")
client.log_artifact(run.info.run_id, notes)
out["run_missing"] = error_of(lambda: client.get_run("0123456789abcdef0123456789abcdef"))
out["run"] = proto(client.get_run(run.info.run_id))
out["history"] = [proto(m) for m in client.get_metric_history(run.info.run_id, "loss")]
out["artifacts_root"] = [proto(f) for f in client.list_artifacts(run.info.run_id)]
out["artifacts_config"] = [proto(f) for f in client.list_artifacts(run.info.run_id, "config")]
folder = client.download_artifacts(run.info.run_id, "config", tempfile.mkdtemp())
out["downloaded"] = open(os.path.join(folder, "config.json")).read()

second = client.create_run(experiment_id, run_name="second")
ids["second"] = second.info.run_id
client.log_metric(second.info.run_id, "acc", 0.9, timestamp=1700000000300)
client.log_param(second.info.run_id, "kernel", "linear")
client.set_terminated(run.info.run_id, "FINISHED")
found = client.search_runs([experiment_id], "metrics.acc > 0.1 and params.kernel != 'poly'", order_by=["metrics.acc DESC"])
out["search"] = [proto(r)["info"]["run_name"] for r in found]
out["search_tag"] = [r.info.run_name for r in client.search_runs([experiment_id], "tags.batch = 'yes'")]
out["search_status"] = [r.info.run_name for r in client.search_runs([experiment_id], "attributes.status = 'FINISHED'")]
page = client.search_runs([experiment_id], max_results=1, order_by=["attributes.run_name ASC"])
out["search_page"] = {"names": [r.info.run_name for r in page], "has_token": bool(page.token)}
out["run_finished"] = proto(client.get_run(run.info.run_id))["info"]

model = client.create_registered_model("diff-model", tags={"owner": "me"}, description="a model")
out["model_created"] = proto(model)
version = client.create_model_version("diff-model", f"{run.info.artifact_uri}/model", run.info.run_id, tags={"k": "v"}, description="v1")
out["version_created"] = proto(version)
client.set_registered_model_alias("diff-model", "champion", version.version)
out["by_alias"] = proto(client.get_model_version_by_alias("diff-model", "champion"))
client.transition_model_version_stage("diff-model", version.version, "Staging")
client.update_registered_model("diff-model", description="better")
out["model"] = proto(client.get_registered_model("diff-model"))
out["latest"] = [proto(v) for v in client.get_latest_versions("diff-model", stages=["Staging"])]
out["model_search"] = [m.name for m in client.search_registered_models(filter_string="name LIKE 'diff%'")]
out["version_search"] = [v.version for v in client.search_model_versions(f"run_id = '{run.info.run_id}'")]
out["model_duplicate"] = error_of(lambda: client.create_registered_model("diff-model"))
client.delete_model_version("diff-model", version.version)
out["version_deleted"] = error_of(lambda: client.get_model_version("diff-model", version.version))
client.delete_registered_model("diff-model")
out["model_deleted"] = error_of(lambda: client.get_registered_model("diff-model"))

json.dump(normalize(out), sys.stdout, indent=1, sort_keys=True)
