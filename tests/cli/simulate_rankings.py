#!/usr/bin/env python3
"""Simulated labelers for the CLI test: ranks every demo prompt's completions by the demo task's
true score (1 - normalised edit distance to the sorted letters) through Plackett-Luce noise, and
writes the rankings as import JSONL. Independent of our code: the score is re-implemented here.
Usage: simulate_rankings.py PROJECT.sqlite OUT.jsonl LABELER:BETA [LABELER:BETA ...]"""
import json
import math
import random
import sqlite3
import sys


def levenshtein(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[len(b)]


def demo_score(prompt, completion):
    reference = "".join(sorted(prompt[len("Sort: "):].strip()))
    completion = completion.rstrip()
    longest = max(len(reference), len(completion))
    return 1.0 - levenshtein(reference, completion) / longest if longest else 1.0


def main():
    project, out_path, labelers = sys.argv[1], sys.argv[2], sys.argv[3:]
    db = sqlite3.connect(project)
    rows = db.execute("SELECT p.id, p.text, c.text FROM prompts p JOIN completions c "
                      "ON c.prompt_id = p.id ORDER BY p.id, c.id").fetchall()
    prompts = {}
    for pid, prompt, completion in rows:
        if completion:  # an empty sample (end-of-text at once) cannot be imported as a ranking
            prompts.setdefault(pid, (prompt, []))[1].append(completion)
    rng = random.Random(7)
    with open(out_path, "w") as out:
        for spec in labelers:
            name, beta = spec.split(":")
            for prompt, completions in prompts.values():
                if len(completions) < 2:
                    continue
                remaining = list(range(len(completions)))
                order = []
                while remaining:
                    weights = [math.exp(float(beta) * demo_score(prompt, completions[i]))
                               for i in remaining]
                    pick = rng.choices(range(len(remaining)), weights)[0]
                    order.append(remaining.pop(pick))
                out.write(json.dumps({"prompt": prompt, "completions": completions,
                                      "ranking": order, "labeler": name}) + "\n")


if __name__ == "__main__":
    main()
