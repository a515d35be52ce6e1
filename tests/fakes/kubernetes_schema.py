"""What a Kubernetes API server would refuse in a request body, from the API's own schema.

The schema is the one the official ``kubernetes`` client is generated from: each model class
(``V1Pod``, ``V1Secret``...) carries ``openapi_types`` (field -> type) and ``attribute_map``
(field -> JSON name). A body is walked against them (no unknown field, each value of its type),
then deserialised by the client itself, whose models refuse a missing required field. On top,
the few rules the apiserver's validation adds that the schema cannot say: names are DNS-1123,
label values are short and plain, secret data is base64, enumerations hold known values.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?([KMGTPE]i?|[mkMGTPE]|e[0-9]+)?$")
_ENUMS = {
    ("V1PodSpec", "restart_policy"): {"Always", "OnFailure", "Never"},
    ("V1Toleration", "operator"): {"Exists", "Equal"},
    ("V1Toleration", "effect"): {"NoSchedule", "PreferNoSchedule", "NoExecute"},
    ("V1DeleteOptions", "propagation_policy"): {"Orphan", "Background", "Foreground"},
}
_PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "datetime": (str,),
    "date": (str,),
}


def problems(body: Any, model: str) -> list[str]:
    """Everything wrong with ``body`` as a ``model`` (e.g. "V1Pod"); empty when it is valid."""
    found = _walk(body, model, model)
    if found:
        return found
    try:
        _deserialize(body, model)
    except (ValueError, TypeError) as exc:
        return [f"{model}: {exc}"]
    return _apiserver_rules(body, model)


def _model(name: str) -> Any:
    import kubernetes.client

    return getattr(kubernetes.client, name, None)


def _walk(value: Any, kind: str, where: str) -> list[str]:
    if kind == "object":
        return []
    if kind in _PRIMITIVES:
        # bool is an int in Python, never in JSON's eyes.
        ok = isinstance(value, _PRIMITIVES[kind]) and (kind == "bool") == isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not a {kind}"]
    if kind.startswith("list["):
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        inner = kind[5:-1]
        return [p for i, item in enumerate(value) for p in _walk(item, inner, f"{where}[{i}]")]
    if kind.startswith(("dict(", "dict[")):
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        inner = kind[kind.index(",") + 1 : -1].strip()
        return [p for k, item in value.items() for p in _walk(item, inner, f"{where}.{k}")]
    cls = _model(kind)
    if cls is None:
        return [f"{where}: unknown type {kind}"]
    if not isinstance(value, dict):
        return [f"{where}: not an object ({kind})"]
    by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    found: list[str] = []
    for key, item in value.items():
        attr = by_json.get(key)
        if attr is None:
            found.append(f"{where}: unknown field {key!r} ({kind})")
            continue
        allowed = _ENUMS.get((kind, attr))
        if allowed is not None and item not in allowed:
            found.append(f"{where}.{key}: {item!r} is not one of {sorted(allowed)}")
        found += _walk(item, cls.openapi_types[attr], f"{where}.{key}")
    return found


class _Answer:
    def __init__(self, data: str) -> None:
        self.data = data


def _deserialize(body: Any, model: str) -> Any:
    from kubernetes.client import ApiClient

    return ApiClient().deserialize(_Answer(json.dumps(body)), model)


def _apiserver_rules(body: dict[str, Any], model: str) -> list[str]:
    found: list[str] = []
    meta = body.get("metadata") or {}
    name = meta.get("name")
    if model in ("V1Pod", "V1Secret"):
        if not isinstance(name, str) or len(name) > 253 or not _NAME.fullmatch(name):
            found.append(f"metadata.name {name!r}: not a DNS-1123 subdomain")
        for key, value in (meta.get("labels") or {}).items():
            if not _LABEL_VALUE.fullmatch(value):
                found.append(f"metadata.labels.{key}: {value!r} is not a valid label value")
    if model == "V1Secret":
        for key, value in (body.get("data") or {}).items():
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                found.append(f"data.{key}: illegal base64 data")
    if model == "V1Pod":
        found += _pod_rules(body.get("spec") or {})
    return found


def _pod_rules(spec: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if not spec.get("containers"):
        found.append("spec.containers: Required value")
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and deadline <= 0:
        found.append("spec.activeDeadlineSeconds: must be greater than 0")
    for i, container in enumerate(spec.get("containers") or []):
        limits = (container.get("resources") or {}).get("limits") or {}
        for resource, quantity in limits.items():
            if not isinstance(quantity, str) or not _QUANTITY.fullmatch(quantity):
                found.append(f"spec.containers[{i}].resources.limits.{resource}: bad quantity")
        for env in container.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("secretKeyRef") or {}
            if ref and not (ref.get("name") and ref.get("key")):
                found.append(
                    f"spec.containers[{i}].env.{env.get('name')}: secretKeyRef needs name, key"
                )
    return found
