"""Split a CSV into train and test folders."""
import argparse
import os

import pandas as pd
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--raw-data", required=True)
parser.add_argument("--test-size", type=float, default=0.2)
parser.add_argument("--seed", type=int, default=None)
parser.add_argument("--train-data", required=True)
parser.add_argument("--test-data", required=True)
args = parser.parse_args()

df = pd.read_csv(args.raw_data)
train, test = train_test_split(df, test_size=args.test_size, random_state=args.seed)
train.to_csv(os.path.join(args.train_data, "train.csv"), index=False)
test.to_csv(os.path.join(args.test_data, "test.csv"), index=False)
print(f"train rows: {len(train)}, test rows: {len(test)}")
