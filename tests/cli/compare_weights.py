#!/usr/bin/env python3
"""Compares two checkpoints' model.safetensors tensor by tensor, reading the format itself (an
8-byte header length, a JSON header, raw little-endian data) so that it imports nothing of ours.

usage: compare_weights.py A B [--init INIT] [--tolerance 1e-5] [--min-move 1e-3]

Prints the largest absolute difference between A and B (and with --init, the largest move of A
from INIT: the runs must have trained for the comparison to mean anything). Exits 1 when the
difference is above the tolerance, the move below the minimum, or the tensors differ in name,
dtype or shape."""
import argparse
import json
import os
import struct
import sys
from array import array

TYPECODES = {"F32": "f", "F64": "d"}


def load(folder):
    path = os.path.join(folder, "model.safetensors")
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] not in TYPECODES:
            sys.exit(f"{path}: {name}: dtype {entry['dtype']} is not compared by this script")
        begin, end = entry["data_offsets"]
        values = array(TYPECODES[entry["dtype"]])
        values.frombytes(data[begin:end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (entry["dtype"], tuple(entry["shape"]), values)
    return path, tensors


def largest_difference(a, b):
    """(largest |a - b| over every element, the tensor where it is)."""
    worst, where = 0.0, ""
    for name, (dtype, shape, values) in a.items():
        other = b[name][2]
        for x, y in zip(values, other):
            if abs(x - y) > worst:
                worst, where = abs(x - y), name
    return worst, where


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--init")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--min-move", type=float, default=1e-3)
    args = parser.parse_args()
    path_a, a = load(args.a)
    path_b, b = load(args.b)
    layout = lambda tensors: {name: t[:2] for name, t in tensors.items()}
    if layout(a) != layout(b):
        print(f"{path_a} and {path_b} hold different tensors")
        return 1
    difference, where = largest_difference(a, b)
    print(f"largest difference {difference:.3g} ({where})")
    failed = difference > args.tolerance
    if failed:
        print(f"above the tolerance {args.tolerance:g}")
    if args.init:
        move, moved = largest_difference(a, load(args.init)[1])
        print(f"largest move from {args.init} {move:.3g} ({moved})")
        if move < args.min_move:
            print(f"below {args.min_move:g}: the runs did not train")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
