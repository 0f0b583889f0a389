"""A program that declares the ims resources listed in resources.json, for import tests.

resources.json maps a resource name to ``{"type": <token>, "properties": {...}}``; ``authKey``
is declared as a secret, as a program would.
"""

import json
from pathlib import Path

import pulumi

for name, spec in json.loads(Path("resources.json").read_text()).items():
    props = dict(spec["properties"])
    if props.get("authKey"):
        props["authKey"] = pulumi.Output.secret(props["authKey"])
    pulumi.CustomResource(spec["type"], name, props)
