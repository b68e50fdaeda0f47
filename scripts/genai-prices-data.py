#!/usr/bin/env python3
"""Writes pydantic's genai-prices data as its public JSON data file (prices/data.json shape).

genai-prices ships its data on PyPI as Python (genai_prices/data.py); upstream publishes the same
data as JSON (https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json), which is
what `tokenledger prices update` reads. This script turns the installed package into that JSON, with
every price written from its Decimal's text (no float), so the two can be used offline:

    python3 -m venv /tmp/gp && /tmp/gp/bin/pip install genai-prices
    /tmp/gp/bin/python scripts/genai-prices-data.py > /tmp/genai-prices.json
    tokenledger prices update /tmp/genai-prices.json

Only the fields TokenLedger reads are written: provider id, name, pricing_urls; model id, name,
context_window, deprecated, match (its name-matching rule), prices (a price set, or a list of
{constraint: {start_date}, prices}).
"""
import datetime
import decimal
import sys
from importlib.metadata import version

from genai_prices import data, types


def number(d):
    text = format(d, "f") if isinstance(d, decimal.Decimal) else str(d)
    return text


def value(v):
    if isinstance(v, decimal.Decimal):
        return number(v)
    if isinstance(v, types.TieredPrices):
        tiers = ", ".join('{"start": %d, "price": %s}' % (t.start, number(t.price)) for t in v.tiers)
        return '{"base": %s, "tiers": [%s]}' % (number(v.base), tiers)
    raise TypeError(type(v))


def price_set(p):
    items = [(k, v) for k, v in p.__dict__.items() if not k.startswith("_") and v is not None]
    return "{" + ", ".join('"%s": %s' % (k, value(v)) for k, v in items) + "}"


def s(text):
    import json
    return json.dumps(text)


def match(clause):
    """A model's name-matching rule in the data file's JSON shape ({"or": [{"equals": ...}, {"regex": ...}]})."""
    if isinstance(clause, types.ClauseOr):
        return '{"or": [%s]}' % ", ".join(match(c) for c in clause.or_)
    if isinstance(clause, types.ClauseAnd):
        return '{"and": [%s]}' % ", ".join(match(c) for c in clause.and_)
    for cls, key in ((types.ClauseEquals, "equals"), (types.ClauseStartsWith, "starts_with"),
                     (types.ClauseEndsWith, "ends_with"), (types.ClauseContains, "contains"), (types.ClauseRegex, "regex")):
        if isinstance(clause, cls):
            return '{"%s": %s}' % (key, s(getattr(clause, key)))
    return "null"


def prices(model):
    if isinstance(model.prices, list):
        parts = []
        for c in model.prices:
            constraint = "null"
            if isinstance(c.constraint, types.StartDateConstraint):
                constraint = '{"start_date": "%s"}' % c.constraint.start_date.isoformat()
            elif c.constraint is not None:
                constraint = '{"type": %s}' % s(type(c.constraint).__name__)
            parts.append('{"constraint": %s, "prices": %s}' % (constraint, price_set(c.prices)))
        return "[" + ", ".join(parts) + "]"
    return price_set(model.prices)


def main():
    out = []
    for p in data.providers:
        models = []
        for m in p.models:
            fields = ['"id": %s' % s(m.id)]
            if m.name: fields.append('"name": %s' % s(m.name))
            if m.context_window: fields.append('"context_window": %d' % m.context_window)
            if m.deprecated: fields.append('"deprecated": true')
            fields.append('"match": %s' % match(m.match))
            fields.append('"prices": %s' % prices(m))
            models.append("    {" + ", ".join(fields) + "}")
        head = '  {"id": %s, "name": %s, "pricing_urls": %s, "genai_prices_version": %s,\n   "models": [\n' % (
            s(p.id), s(p.name), s(p.pricing_urls or []), s(version("genai-prices")))
        out.append(head + ",\n".join(models) + "\n  ]}")
    sys.stdout.write("[\n" + ",\n".join(out) + "\n]\n")


if __name__ == "__main__":
    main()
