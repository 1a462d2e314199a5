#!/usr/bin/env python3
"""Lists the library's public API from rustdoc's JSON, one item a line:
every public path, the public methods and fields of each type, the
variants of each enum, and the traits each type implements (not blanket
or auto traits). Reads target/doc/segprep.json; prints to stdout."""
import json
import sys

doc = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "target/doc/segprep.json"))
index = doc["index"]
out = set()


def item(i):
    return index.get(str(i))


def type_name(t):
    if not isinstance(t, dict):
        return "?"
    if "resolved_path" in t:
        return t["resolved_path"]["path"].split("::")[-1]
    if "generic" in t:
        return t["generic"]
    if "borrowed_ref" in t:
        return "&" + type_name(t["borrowed_ref"]["type"])
    if "primitive" in t:
        return t["primitive"]
    if "slice" in t:
        return "[" + type_name(t["slice"]) + "]"
    return "?"


def walk(it, path, seen):
    if it is None or it["id"] in seen:
        return
    seen = seen | {it["id"]}
    inner = it["inner"]
    kind = next(iter(inner))
    body = inner[kind]
    if kind == "module":
        for child in body["items"]:
            c = item(child)
            if c is None or c["visibility"] != "public":
                continue
            if "use" in c["inner"]:
                use = c["inner"]["use"]
                target = item(use["id"]) if use["id"] is not None else None
                if target is None:
                    out.add(f"{path}::{use['name']} (re-export)")
                    continue
                if use["is_glob"]:
                    walk(target, path, seen)
                else:
                    walk(dict(target, name=use["name"]), f"{path}::{use['name']}", seen)
            else:
                walk(c, f"{path}::{c['name']}", seen)
        if path != "segprep":
            out.add(f"mod {path}")
        return
    out.add(f"{kind} {path}")
    if kind == "struct":
        fields = body["kind"].get("plain", {}).get("fields", []) if isinstance(body["kind"], dict) else []
        for f in fields:
            fi = item(f)
            if fi and fi["visibility"] == "public":
                out.add(f"field {path}.{fi['name']}")
    if kind == "enum":
        for v in body["variants"]:
            out.add(f"variant {path}::{item(v)['name']}")
    for impl_id in body.get("impls", []):
        imp = item(impl_id)["inner"]["impl"]
        if imp.get("blanket_impl") or imp.get("is_synthetic"):
            continue
        if imp["trait"] is not None:
            out.add(f"impl {imp['trait']['path'].split('::')[-1]} for {path}")
            continue
        for m in imp["items"]:
            mi = item(m)
            if mi and mi["visibility"] == "public":
                mk = next(iter(mi["inner"]))
                out.add(f"{mk} {path}::{mi['name']}")


walk(item(doc["root"]), "segprep", frozenset())
print("\n".join(sorted(out)))
