#!/usr/bin/env python3
"""Compare bundled price tables (pricing/*.toml) with a LiteLLM model_prices JSON file.

Usage: scripts/compare_litellm.py LITELLM.json pricing/openai.toml [more.toml ...]

For each model, the latest price period is compared with every LiteLLM entry named by the model's id or
one of its aliases (with and without the provider prefix, e.g. "gemini/gemini-2.5-pro"). LiteLLM's
per-token floats are converted by their decimal text (json parse_float=Decimal) times 1e6, never through
binary floating point. Prints one line per difference; the table's `notes` should explain each one.
Exit status 0 always: differences are information, not errors (prices check validates the tables).
"""
import json
import sys
import tomllib
from decimal import Decimal

MILLION = Decimal(1_000_000)
PREFIX = {"openai": ["", "openai/"], "anthropic": ["", "anthropic/"], "google": ["gemini/", ""],
          "deepseek": ["", "deepseek/"], "xai": ["xai/"], "mistral": ["mistral/"]}
# LiteLLM's litellm_provider values that sell at the provider's own list price (not Vertex, Azure, Bedrock)
LITELLM_PROVIDER = {"openai": {"openai"}, "anthropic": {"anthropic"}, "google": {"gemini"},
                    "deepseek": {"deepseek"}, "xai": {"xai"}, "mistral": {"mistral"}}
DEFAULTS = {"audio_input": "input", "audio_output": "output", "image_input": "input", "image_output": "output"}
# our key -> LiteLLM key (per token); sub-tables append _flex/_priority/_above_<threshold>_tokens
FIELDS = {"input": "input_cost_per_token", "cached_input": "cache_read_input_token_cost",
          "cache_write_5m": "cache_creation_input_token_cost",
          "cache_write_1h": "cache_creation_input_token_cost_above_1hr",
          "output": "output_cost_per_token", "reasoning": "output_cost_per_reasoning_token",
          "audio_input": "input_cost_per_audio_token", "audio_output": "output_cost_per_audio_token",
          "image_input": "input_cost_per_image_token", "image_output": "output_cost_per_image_token"}


def per_million(value):
    return (value * MILLION).normalize()


def main(argv):
    litellm = json.load(open(argv[1]), parse_float=Decimal)
    total = 0
    for path in argv[2:]:
        table = tomllib.load(open(path, "rb"), parse_float=Decimal)
        provider = table["table"]["provider"]
        for model in table.get("model", []):
            names = [model["id"]] + model.get("aliases", [])
            period = model["period"][-1]
            for name in names:
                for prefix in PREFIX.get(provider, [""]):
                    entry = litellm.get(prefix + name)
                    if not isinstance(entry, dict):
                        continue
                    if entry.get("litellm_provider") not in LITELLM_PROVIDER.get(provider, {entry.get("litellm_provider")}):
                        continue
                    for ours, theirs in FIELDS.items():
                        mine = period.get(ours)
                        other = entry.get(theirs)
                        if other is not None:
                            other = per_million(other)
                        if ours == "reasoning" and mine is None:
                            continue
                        if ours == "cache_write_1h" and mine is None:
                            mine = period.get("cache_write_5m")
                        if ours in DEFAULTS and mine is None and other is not None:
                            mine = period.get(DEFAULTS[ours])
                        if mine is None and other is None:
                            continue
                        if mine is not None and other is not None and Decimal(mine) == other:
                            continue
                        if mine is None and ours in ("cached_input", "cache_write_5m") and other == Decimal(period["input"]):
                            continue
                        print(f"{path}: {model['id']} vs LiteLLM {prefix + name}: {ours} ours={mine} litellm={other}")
                        total += 1
                    batch_in = entry.get("input_cost_per_token_batches")
                    if batch_in is not None:
                        expect = per_million(batch_in)
                        got = Decimal(period["input"]) * Decimal(period.get("batch", "1"))
                        if got.normalize() != expect:
                            print(f"{path}: {model['id']} vs LiteLLM {prefix + name}: batch input ours={got.normalize()} litellm={expect}")
                            total += 1
                    elif "batch" in period:
                        print(f"{path}: {model['id']} vs LiteLLM {prefix + name}: batch ours={period['batch']} litellm=none")
                        total += 1
                    for tier in ("flex", "priority"):
                        sub = period.get(tier, {})
                        for ours in ("input", "cached_input", "output"):
                            theirs = entry.get(FIELDS[ours] + "_" + tier)
                            mine = sub.get(ours)
                            if mine is None and "multiplier" in sub and ours in period:
                                mine = Decimal(period[ours]) * Decimal(sub["multiplier"])
                            if theirs is None and mine is None:
                                continue
                            if theirs is not None and mine is not None and Decimal(mine).normalize() == per_million(theirs):
                                continue
                            print(f"{path}: {model['id']} vs LiteLLM {prefix + name}: {tier}.{ours} ours={mine} litellm={None if theirs is None else per_million(theirs)}")
                            total += 1
                    lc = period.get("long_context")
                    above = [k for k in entry if k.startswith("input_cost_per_token_above_") and k.endswith("_tokens")]
                    if lc or above:
                        threshold = int(lc["threshold"]) if lc else None
                        key = f"_above_{threshold // 1000}k_tokens" if threshold else None
                        if not lc or not key or FIELDS["input"] + key not in entry:
                            print(f"{path}: {model['id']} vs LiteLLM {prefix + name}: long_context ours={threshold} litellm={above}")
                            total += 1
                        else:
                            for ours in ("input", "cached_input", "output"):
                                theirs = entry.get(FIELDS[ours] + key)
                                mine = lc.get(ours)
                                if theirs is not None and mine is not None and Decimal(mine).normalize() == per_million(theirs):
                                    continue
                                if theirs is None and mine is None:
                                    continue
                                print(f"{path}: {model['id']} vs LiteLLM {prefix + name}: long_context.{ours} ours={mine} litellm={None if theirs is None else per_million(theirs)}")
                                total += 1
    print(f"{total} difference(s)")


if __name__ == "__main__":
    main(sys.argv)
