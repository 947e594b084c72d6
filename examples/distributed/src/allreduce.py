"""Each rank contributes rank + 1; after an all-reduce every rank holds 1 + 2 + ... + world_size."""
import os
from datetime import timedelta

import torch
import torch.distributed as dist


def main() -> None:
    # env:// reads MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE, as Azure ML (and mlw) set them.
    dist.init_process_group(backend="gloo", init_method="env://", timeout=timedelta(seconds=120))
    rank, world = dist.get_rank(), dist.get_world_size()
    value = torch.tensor([float(rank + 1)])
    dist.all_reduce(value, op=dist.ReduceOp.SUM)
    expected = world * (world + 1) / 2
    print(f"rank {rank} of {world}: all_reduce sum = {value.item()} (expected {expected})", flush=True)
    dist.destroy_process_group()
    if value.item() != expected:
        raise SystemExit(f"rank {rank}: wrong sum")


if __name__ == "__main__":
    print(f"node {os.environ.get('NODE_RANK')} starting, master {os.environ.get('MASTER_ADDR')}:{os.environ.get('MASTER_PORT')}", flush=True)
    main()
