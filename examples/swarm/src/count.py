"""Counts the rows of each species in a CSV file and writes the counts as JSON."""
import argparse
import collections
import csv
import json
import os
import platform

parser = argparse.ArgumentParser(description="Count rows per species.")
parser.add_argument("--data", required=True)
parser.add_argument("--out", required=True)
args = parser.parse_args()

with open(args.data, newline="") as rows:
    counts = collections.Counter(row["species"] for row in csv.DictReader(rows))
print(f"counted {sum(counts.values())} rows on node container {platform.node()}: {dict(counts)}")
with open(os.path.join(args.out, "counts.json"), "w") as out:
    json.dump(counts, out, indent=2)
