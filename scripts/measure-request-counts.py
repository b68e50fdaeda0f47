#!/usr/bin/env python3
"""Measure `tokenledger count --request` against what the providers billed.

Reads VCR cassettes (YAML files that recorded real API calls with their request body and the usage the
API returned, as pydantic-ai's test suite publishes them), keeps every non-streaming call made to the
provider itself (not a gateway or another vendor's compatible API) to

  * OpenAI Chat Completions  (`/v1/chat/completions`, billed = usage.prompt_tokens)
  * OpenAI Responses         (`/v1/responses`, billed = usage.input_tokens)
  * Anthropic Messages       (`/v1/messages`, billed = input_tokens + cache_creation + cache_read)
  * Gemini generateContent   (`…/models/MODEL:generateContent`, billed = usageMetadata.promptTokenCount)

writes each request body to a scratch folder (Gemini bodies get the model from the URL as "model"), counts
them all with one `tokenledger count --request --json` call, and prints per API and model family: pairs,
median and 90th-percentile relative error (all pairs, and pairs of >= 100 billed tokens), and the share
within 1 token, for all pairs and for the "countable" pairs whose count names no part as uncounted and
has no image at an upper bound. `--list` prints every pair (file, model, billed, counted, notes).

Usage:
  scripts/measure-request-counts.py CASSETTE_DIR [--counter "tokenledger count --request --json"] [--list]

Nothing is stored: bodies go to a temporary folder that is removed at the end.
"""
import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile

import yaml  # pip install pyyaml

try:
    Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python fallback
    Loader = yaml.SafeLoader


def body_of(part):
    """The JSON body of a recorded request or response (parsed_body, or a JSON string body)."""
    if isinstance(part.get("parsed_body"), (dict, list)):
        return part["parsed_body"]
    body = part.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.strip().startswith(("{", "[")):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return None


PROVIDER_HOSTS = {
    "openai": ("api.openai.com", ".openai.azure.com"),
    "anthropic": ("api.anthropic.com",),
    "gemini": ("generativelanguage.googleapis.com", "aiplatform.googleapis.com"),
}


def from_provider(api, uri):
    """True when the call went to the provider itself (not a gateway or another vendor's compatible API)."""
    host = re.sub(r"^https?://([^/]+).*$", r"\1", uri)
    return host.endswith(PROVIDER_HOSTS[api.split("-")[0]])


def classify(uri):
    if re.search(r"/chat/completions(\?|$)", uri):
        return "openai-chat"
    if re.search(r"/v1/responses(\?|$)", uri):
        return "openai-responses"
    if re.search(r"/v1/messages(\?|$)", uri):
        return "anthropic"
    match = re.search(r"/models/([^/:]+):generateContent", uri)
    if match:
        return "gemini"
    return None


def billed_tokens(api, response):
    usage = response.get("usage") if isinstance(response, dict) else None
    if api == "openai-chat" and usage:
        return usage.get("prompt_tokens")
    if api == "openai-responses" and usage:
        return usage.get("input_tokens")
    if api == "anthropic" and usage and usage.get("input_tokens") is not None:
        return (usage.get("input_tokens") or 0) + (usage.get("cache_creation_input_tokens") or 0) \
            + (usage.get("cache_read_input_tokens") or 0)
    if api == "gemini" and isinstance(response, dict):
        return (response.get("usageMetadata") or {}).get("promptTokenCount")
    return None


def pairs_in(folder):
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8") as handle:
                    cassette = yaml.load(handle, Loader=Loader)
            except Exception:
                continue
            for index, interaction in enumerate((cassette or {}).get("interactions") or []):
                request, response = interaction.get("request") or {}, interaction.get("response") or {}
                uri = request.get("uri") or ""
                api = classify(uri)
                if not api or request.get("method") != "POST" or not from_provider(api, uri):
                    continue
                body, answer = body_of(request), body_of(response)
                if not isinstance(body, dict) or body.get("stream"):
                    continue
                billed = billed_tokens(api, answer)
                if not billed:
                    continue
                if api == "gemini":
                    body = dict(body, model=re.search(r"/models/([^/:]+):", uri).group(1))
                if "model" not in body:
                    continue
                yield {"file": os.path.relpath(path, folder), "index": index, "api": api,
                       "model": body["model"], "billed": billed, "body": body}


def family(api, model):
    m = model.lower()
    if api == "anthropic" and re.search(r"claude-(opus-4-[7-9]|opus-[5-9]|sonnet-[5-9]|fable)", m):
        return "claude>4.6"
    if api.startswith("openai"):
        if re.match(r"(o\d|gpt-5|gpt-oss)", m):
            return "reasoning"
        return "gpt-4o/4.1"
    if api == "anthropic":
        return "claude"
    return "gemini"


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="a folder of VCR cassettes (searched recursively)")
    parser.add_argument("--counter", default="tokenledger count --request --json",
                        help="the command that counts request bodies given as file arguments (JSON output)")
    parser.add_argument("--list", action="store_true", help="print every pair")
    parser.add_argument("--api", help="only this API (openai-chat, openai-responses, anthropic, gemini)")
    args = parser.parse_args()

    pairs = [p for p in pairs_in(args.folder) if not args.api or p["api"] == args.api]
    if not pairs:
        sys.exit(f"no request/usage pairs found under {args.folder}; point it at a folder of VCR cassettes.")
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for number, pair in enumerate(pairs):
            path = os.path.join(scratch, f"{number}.json")
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(pair["body"], handle)
            paths.append(path)
        counted = {}
        for start in range(0, len(paths), 200):
            run = subprocess.run(shlex.split(args.counter) + paths[start:start + 200], capture_output=True, text=True)
            if run.returncode != 0:
                # One unreadable body fails the batch: count this batch one file at a time.
                for path in paths[start:start + 200]:
                    single = subprocess.run(shlex.split(args.counter) + [path], capture_output=True, text=True)
                    if single.returncode == 0:
                        counted[path] = json.loads(single.stdout)[0]
                    else:
                        counted[path] = {"error": single.stderr.strip()}
                continue
            for entry in json.loads(run.stdout):
                counted[entry["file"]] = entry
        for pair, path in zip(pairs, paths):
            pair["count"] = counted.get(path, {"error": "not counted"})

    groups = {}
    for pair in pairs:
        count = pair["count"]
        if "total" not in count:
            pair["error"] = None
        else:
            pair["error"] = count["total"] - pair["billed"]
        groups.setdefault((pair["api"], family(pair["api"], pair["model"])), []).append(pair)
        if args.list:
            notes = "; ".join(count.get("notes", [])) if "total" in count else count.get("error", "")
            print(f"{pair['api']:16} {pair['model']:32} billed {pair['billed']:6} counted "
                  f"{count.get('total', '-')!s:>6}{' >=' if count.get('lower_bound') else ''}  "
                  f"{pair['file']}#{pair['index']}  {notes[:160]}")
    if args.list:
        print()
    print("All pairs, then (countable) the pairs whose count names nothing as uncounted or at an upper bound:")
    print(f"{'api':17}{'family':12}{'pairs':>6}{'failed':>7}{'within 1':>10}{'median %':>10}{'p90 %':>8}"
          f"{'pairs>=100':>11}{'median %':>10}{'p90 %':>8}")
    rows = []
    for (api, fam), members in sorted(groups.items()):
        rows.append((api, fam, members))
        countable = [p for p in members if "total" in p["count"] and not p["count"].get("lower_bound")
                     and not p["count"].get("images_at_upper_bound")]
        rows.append((api, fam + " (countable)", countable))
    for api, fam, members in rows:
        if not members:
            continue
        measured = [p for p in members if p["error"] is not None]
        failed = len(members) - len(measured)
        within = sum(1 for p in measured if abs(p["error"]) <= 1)
        rel = [abs(p["error"]) / p["billed"] * 100 for p in measured]
        big = [abs(p["error"]) / p["billed"] * 100 for p in measured if p["billed"] >= 100]
        share = f"{within / len(measured) * 100:.0f} %" if measured else "-"
        print(f"{api:17}{fam:12}{len(measured):6}{failed:7}{share:>10}"
              f"{statistics.median(rel) if rel else float('nan'):10.1f}{percentile(rel, 0.9):8.1f}"
              f"{len(big):11}{statistics.median(big) if big else float('nan'):10.1f}{percentile(big, 0.9):8.1f}")


if __name__ == "__main__":
    main()
