#!/usr/bin/env python3
"""Audit the bundled price tables against two independent price databases.

    python3 -m venv /tmp/gp && /tmp/gp/bin/pip install genai-prices      # PyPI; the version is printed
    /tmp/gp/bin/python scripts/audit-prices.py ../shared/reference/litellm_model_prices.json pricing/*.toml

Compares every official model of pricing/*.toml (its price period in force on --at, default today) with
  - LiteLLM's model_prices_and_context_window.json (entries of the provider's own API: `gemini/...`, not
    Vertex; `openai`, not Azure), by the model's id and aliases, with and without provider prefix;
  - pydantic's genai-prices (the installed package, matched by its own name-matching rules), its price
    in force on the same date (time-of-day prices such as DeepSeek's off-peak discount are skipped).
Components compared: input, cached_input, cache_write_5m, cache_write_1h, output, where the source states
them (ours with the FORMAT.md defaults: cached input -> input, 1h write -> 5m write -> input). A source's
zero cache-write price means "not billed apart from input" and is not compared. Every number is read from
its text (Decimal), never through binary floating point.

With genai-prices also: the batch prices (its `processing: batch` variant, against ours with the batch
multiplier, explicit batch prices and `unchanged` components applied), the flex and priority prices (its
`service_tier` variants), and the long-context tier (its tiered prices: where the tier starts, with its
`>` rule made comparable to our `threshold` / `at_least`, and the tier's prices). Rows of these kinds are
labelled batch:, flex:, priority:, long:.

Unit prices too: audio_per_minute against LiteLLM's per-second price × 60 and genai-prices' per-hour price
÷ 60, per_1m_characters against LiteLLM's per-character price × 10⁶ and genai-prices' per-1M-characters
price (rows labelled unit:). The OpenRouter channel's reseller-only models are compared with LiteLLM's
`openrouter/<id>` entries and genai-prices' openrouter provider (rows labelled openrouter:).

Prints one line per model and component where a source disagrees with us, then the totals, the current
models the sources list for our providers that no table of ours resolves, and the 302ai channel with
each price marked confirmed or assumed (equal to the official price without confirmation).
Exit status 0: disagreements are information; the README records which source is right.
"""
import argparse
import datetime
import json
import sys
import tomllib
from decimal import Decimal
from importlib.metadata import version

MILLION = Decimal(1_000_000)

# (our unit component, LiteLLM key, × to ours, genai-prices attribute, ÷ to ours)
UNITS = [
    ("audio_per_minute", "input_cost_per_second", Decimal(60), "audio_hours", Decimal(60)),
    ("per_1m_characters", "input_cost_per_character", MILLION, "input_mchars", Decimal(1)),
]
COMPONENTS = ["input", "cached_input", "cache_write_5m", "cache_write_1h", "output"]
LITELLM_KEYS = {"input": "input_cost_per_token", "cached_input": "cache_read_input_token_cost",
                "cache_write_5m": "cache_creation_input_token_cost",
                "cache_write_1h": "cache_creation_input_token_cost_above_1hr", "output": "output_cost_per_token"}
GENAI_KEYS = {"input": "input_mtok", "cached_input": "cache_read_mtok", "cache_write_5m": "cache_write_mtok",
              "cache_write_1h": "cache_write_1h_mtok", "output": "output_mtok"}
LITELLM_PREFIX = {"openai": ["", "openai/"], "anthropic": ["", "anthropic/"], "google": ["gemini/", ""],
                  "deepseek": ["", "deepseek/"], "xai": ["xai/"], "mistral": ["mistral/"]}
LITELLM_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "google": "gemini", "deepseek": "deepseek",
                    "xai": "xai", "mistral": "mistral"}
GENAI_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "google": "google", "deepseek": "deepseek",
                  "xai": "x-ai", "mistral": "mistral"}


def plain(d):
    """A Decimal without trailing zeros or exponent (2E+1 -> 20), so equal prices compare and print alike."""
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral() else d


def day(text):
    return datetime.date.fromisoformat(str(text))


def period_on(periods, when):
    current = None
    for p in periods:
        if day(p["from"]) <= when:
            current = p
    return current


def ours_resolved(period, component):
    chain = {"cached_input": ["cached_input", "input"], "cache_write_5m": ["cache_write_5m", "input"],
             "cache_write_1h": ["cache_write_1h", "cache_write_5m", "input"]}.get(component, [component])
    for key in chain:
        if key in period:
            return plain(Decimal(str(period[key])))
    return None


def litellm_entry(litellm, provider, names):
    for name in names:
        for prefix in LITELLM_PREFIX[provider]:
            entry = litellm.get(prefix + name)
            if isinstance(entry, dict) and entry.get("litellm_provider") == LITELLM_PROVIDER[provider]:
                return prefix + name, entry
    return None, None


def litellm_prices(entry):
    out = {}
    for ours, key in LITELLM_KEYS.items():
        if entry.get(key) is not None:
            out[ours] = plain(Decimal(entry[key]) * MILLION)
    return out


def genai_model(providers, provider, names):
    p = next((p for p in providers if p.id == GENAI_PROVIDER[provider]), None)
    if p is None:
        return None, None
    for name in names:
        m = p.find_model(name)
        if m is not None:
            return name, m
    return None, None


def genai_variant(model, when, key, value):
    """genai-prices' partial price set for requests with `key: value` (batch, a service tier), or None."""
    from genai_prices import types
    chosen = None
    for v in getattr(model, "price_variants", None) or []:
        if v.when.get(key) != value:
            continue
        c = v.constraint
        if c is None or (isinstance(c, types.StartDateConstraint) and c.start_date <= when):
            if chosen is None or (c is not None and (chosen[0] is None or c.start_date >= chosen[0])):
                chosen = (c.start_date if c is not None else None, v.prices)
    return chosen[1] if chosen else None


def genai_price_set(model, when):
    """The price set in force on `when`, ignoring time-of-day constraints."""
    from genai_prices import types
    prices = model.prices
    if isinstance(prices, list):
        current = None
        for c in prices:
            if c.constraint is None:
                current = current or c.prices
            elif isinstance(c.constraint, types.StartDateConstraint) and c.constraint.start_date <= when:
                current = c.prices
        prices = current
    return prices


def values_of(price_set, tier=False):
    """{component: Decimal} from a genai price set; `tier` takes each tiered price's first tier instead of its base."""
    from genai_prices import types
    out, starts = {}, {}
    if price_set is None:
        return out, starts
    for ours, key in GENAI_KEYS.items():
        value = getattr(price_set, key, None)
        if value is None:
            continue
        if isinstance(value, types.TieredPrices):
            if tier:
                if not value.tiers:
                    continue
                starts[ours] = value.tiers[0].start
                value = value.tiers[0].price
            else:
                value = value.base
        elif tier:
            continue
        out[ours] = plain(Decimal(value))
    return out, starts


def ours_modified(period, component, kind):
    """Our price of `component` for a batch request, a service tier or a long prompt ('batch', 'flex', 'priority', 'long')."""
    base = dict(period)
    if kind == "long":
        lc = period.get("long_context")
        if lc is None:
            return None
        base.update({k: v for k, v in lc.items() if k not in ("threshold", "at_least")})
        return ours_resolved(base, component)
    if kind in ("flex", "priority"):
        tier = period.get(kind)
        if tier is None:
            return None
        if component in tier:
            return plain(Decimal(str(tier[component])))
        m = Decimal(str(tier.get("multiplier", 1)))
        return plain(ours_resolved(period, component) * m)
    batch = period.get("batch")
    if batch is None:
        return None
    if not isinstance(batch, dict):
        batch = {"multiplier": batch}
    if component in batch:
        return plain(Decimal(str(batch[component])))
    chain = {"cached_input": ["cached_input", "input"], "cache_write_5m": ["cache_write_5m", "input"],
             "cache_write_1h": ["cache_write_1h", "cache_write_5m", "input"]}.get(component, [component])
    source = next((k for k in chain if k in period), component)
    if component in batch.get("unchanged", []) or source in batch.get("unchanged", []):
        return ours_resolved(period, component)
    return plain(ours_resolved(period, component) * Decimal(str(batch.get("multiplier", 1))))


def long_start(period):
    """Our long-context tier as genai-prices' `tokens > start` rule: threshold N -> N, at_least N -> N - 1."""
    lc = period.get("long_context")
    if lc is None:
        return None
    return lc["threshold"] if "threshold" in lc else lc["at_least"] - 1


def genai_prices(model, when):
    """{component: Decimal} of genai-prices' base prices for `model` on `when`."""
    return values_of(genai_price_set(model, when))[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("litellm")
    ap.add_argument("tables", nargs="+")
    ap.add_argument("--at", default=datetime.date.today().isoformat(), help="compare the prices in force on this date")
    args = ap.parse_args()
    when = day(args.at)
    try:
        from genai_prices import data
    except ImportError:
        sys.exit("genai-prices is not installed: python3 -m venv /tmp/gp && /tmp/gp/bin/pip install genai-prices, then run with /tmp/gp/bin/python")
    litellm = json.load(open(args.litellm), parse_float=Decimal)
    print(f"# audit of {len(args.tables)} tables on {when}: LiteLLM {args.litellm}, genai-prices {version('genai-prices')} (PyPI)")

    stats = {"models": 0, "litellm_models": 0, "genai_models": 0, "litellm_components": 0, "genai_components": 0,
             "litellm_disagreements": 0, "genai_disagreements": 0, "disagreeing_models": set()}
    known = {p: set() for p in LITELLM_PREFIX}
    channels = []
    for path in args.tables:
        table = tomllib.load(open(path, "rb"), parse_float=Decimal)
        provider = table["table"]["provider"]
        if table["table"]["channel"] != "official":
            channels.append((path, table))
            continue
        for model in table.get("model", []):
            names = [model["id"]] + model.get("aliases", [])
            known[provider].update(n.lower() for n in names)
            period = period_on(model["period"], when)
            if period is None:
                continue
            stats["models"] += 1
            lname, lentry = litellm_entry(litellm, provider, names)
            gname, gmodel = genai_model(data.providers, provider, names)
            if gmodel is not None:
                known[provider].add(gmodel.id.lower())
            sources = []
            if lentry is not None:
                stats["litellm_models"] += 1
                sources.append(("litellm", lname, litellm_prices(lentry)))
            if gmodel is not None:
                stats["genai_models"] += 1
                sources.append(("genai", gmodel.id, genai_prices(gmodel, when)))
            if gmodel is not None:
                base_set = genai_price_set(gmodel, when)
                checks = []
                for kind, key, value in (("batch", "processing", "batch"), ("flex", "service_tier", "flex"),
                                         ("priority", "service_tier", "priority")):
                    variant = genai_variant(gmodel, when, key, value)
                    if variant is None:
                        continue
                    theirs, _ = values_of(variant)
                    base, _ = values_of(base_set)
                    checks.append((kind, {c: theirs.get(c, base.get(c)) for c in set(theirs) | set(base)}))
                long_theirs, long_starts = values_of(base_set, tier=True)
                if long_theirs:
                    checks.append(("long", long_theirs))
                    start = next(iter(long_starts.values()))
                    mine = long_start(period)
                    stats["genai_components"] += 1
                    if mine != start:
                        stats["genai_disagreements"] += 1
                        stats["disagreeing_models"].add(model["id"])
                        print(f"{provider:9} {model['id']:40} {'long:start':15} ours={mine}  genai={start} ({gmodel.id}) [tier when prompt > start]")
                for kind, theirs in checks:
                    for component in COMPONENTS:
                        if component not in theirs or (component.startswith("cache_write") and theirs[component] == 0):
                            continue
                        mine = ours_modified(period, component, kind)
                        stats["genai_components"] += 1
                        if mine != theirs[component]:
                            stats["genai_disagreements"] += 1
                            stats["disagreeing_models"].add(model["id"])
                            print(f"{provider:9} {model['id']:40} {kind + ':' + component:15} ours={mine} from {period['from']}  genai={theirs[component]} ({gmodel.id})")
            for component in COMPONENTS:
                mine = ours_resolved(period, component)
                values = {}
                for source, name, prices in sources:
                    theirs = prices.get(component)
                    if theirs is None:
                        continue
                    if component.startswith("cache_write") and theirs == 0:
                        continue
                    stats[f"{source}_components"] += 1
                    values[source] = (name, theirs)
                    if theirs != mine:
                        stats[f"{source}_disagreements"] += 1
                        stats["disagreeing_models"].add(model["id"])
                if any(v[1] != mine for v in values.values()):
                    parts = "  ".join(f"{s}={v[1]} ({v[0]})" for s, v in sorted(values.items()))
                    print(f"{provider:9} {model['id']:40} {component:15} ours={mine} from {period['from']}  {parts}")
            for component, lkey, lscale, gkey, gscale in UNITS:
                mine = ours_resolved(period, component)
                values = {}
                if lentry is not None and lentry.get(lkey) is not None:
                    # LiteLLM's per-second and per-character floats are rounded: compare at six decimals.
                    values["litellm"] = plain((Decimal(lentry[lkey]) * lscale).quantize(Decimal("0.000001")))
                price_set = genai_price_set(gmodel, when) if gmodel is not None else None
                if price_set is not None and getattr(price_set, gkey, None) is not None:
                    values["genai"] = plain(Decimal(getattr(price_set, gkey)) / gscale)
                for source in values:
                    stats[f"{source}_components"] += 1
                    if values[source] != mine:
                        stats[f"{source}_disagreements"] += 1
                        stats["disagreeing_models"].add(model["id"])
                if any(v != mine for v in values.values()):
                    parts = "  ".join(f"{s}={v}" for s, v in sorted(values.items()))
                    print(f"{provider:9} {model['id']:40} {'unit:' + component:15} ours={mine} from {period['from']}  {parts}")

    # Reseller-only models of channel tables: against the same reseller in both sources.
    for path, table in channels:
        channel = table["table"]["channel"]
        for model in table.get("model", []):
            if not model.get("reseller_only"):
                continue
            period = period_on(model["period"], when)
            if period is None:
                continue
            entry = litellm.get(f"{channel}/{model['id']}")
            gp = next((p for p in data.providers if p.id == channel), None)
            gmodel = gp.find_model(model["id"]) if gp else None
            theirs = {}
            if isinstance(entry, dict):
                theirs["litellm"] = litellm_prices(entry)
            if gmodel is not None:
                theirs["genai"] = genai_prices(gmodel, when)
            for component in ("input", "output"):
                mine = ours_resolved(period, component)
                values = {s: v[component] for s, v in theirs.items() if v.get(component) is not None}
                if any(v != mine for v in values.values()):
                    parts = "  ".join(f"{s}={v}" for s, v in sorted(values.items()))
                    print(f"{channel:9} {model['id']:40} {channel + ':' + component:15} ours={mine} from {period['from']}  {parts}")

    print()
    print(f"models compared: {stats['models']} (LiteLLM lists {stats['litellm_models']}, genai-prices {stats['genai_models']})")
    print(f"components compared: LiteLLM {stats['litellm_components']}, genai-prices {stats['genai_components']}")
    print(f"disagreements: LiteLLM {stats['litellm_disagreements']}, genai-prices {stats['genai_disagreements']}, "
          f"in {len(stats['disagreeing_models'])} models")

    print()
    print("# current models genai-prices lists for our providers that no table resolves (not deprecated):")
    for ours, theirs in GENAI_PROVIDER.items():
        p = next((p for p in data.providers if p.id == theirs), None)
        # Other vendors' models a provider also serves (Vertex's Claude, Mistral's hosted GLM) and
        # free/preview variants (":free") are not the provider's own list.
        foreign = {"google": ("claude",), "mistral": ("deepseek", "zai")}.get(ours, ())
        missing = [m.id for m in (p.models if p else []) if not m.deprecated and m.id.lower() not in known[ours]
                   and ":" not in m.id and not m.id.startswith(foreign)
                   and not any(m.is_match(n) for n in known[ours])]
        if missing:
            print(f"{ours:9} {len(missing):3}  {', '.join(sorted(missing))}")

    print()
    print("# reseller channels: each channel price, confirmed or assumed equal to the official one")
    for path, table in channels:
        for model in table.get("model", []):
            for p in model["period"]:
                official = p.get("official", {})
                same = all(Decimal(str(p[k])) == Decimal(str(v)) for k, v in official.items() if k in p)
                status = "assumed" if p.get("assumed") else ("confirmed" if not same else "confirmed (equal to official)")
                if model.get("reseller_only"):
                    status = "reseller-only (no official price)"
                print(f"{table['table']['channel']:6} {model['id']:32} from {p['from']}  input {p['input']} output {p['output']}"
                      f"  official input {official.get('input')} output {official.get('output')}  {status}")


if __name__ == "__main__":
    main()
