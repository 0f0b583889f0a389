"""A TypeScript project of a user's own: the built npm tarball, ``tsc --strict``, the scenario."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from devtools.engine import EngineProfile
from devtools.stack import PACKAGE_DIR, CliStack
from emulator.testing import EmulatorProcess
from tests.consumers.scenario import BEIJING_URL, HANGZHOU_URL, SHENZHEN_LIVE, run_scenario

PROGRAM = f"""import * as ims from "@ims-callbacks/ims";

const callbacks = new ims.ImsCallbacks("callbacks", {{
    callbacks: {{
        defaults: {{ events: [ims.EventName.FileUploadComplete] }},
        regions: {{
            "cn-beijing": {{
                delivery: ims.Delivery.Http,
                url: "{BEIJING_URL}",
                auth: {{ enabled: false }},
                adopt: true,
            }},
        }},
    }},
}});
const hangzhou = new ims.EventCallback("hangzhou", {{
    region: "cn-hangzhou",
    callbackType: ims.CallbackType.HTTP,
    url: "{HANGZHOU_URL}",
    events: ["ProduceMediaComplete"],
    authEnabled: true,
}});
export const regions = callbacks.regions;
export const hangzhouKey = hangzhou.authKey;
"""

IMPORTED = f"""
new ims.EventCallback("shenzhen", {{
    region: "cn-shenzhen",
    callbackType: "HTTP",
    url: "{SHENZHEN_LIVE.url}",
    events: ["FileUploadComplete"],
    authEnabled: false,
}});
"""

TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "es2020",
        "module": "commonjs",
        "moduleResolution": "node",
        "noEmit": True,
    },
    "files": ["index.ts"],
}


def tsc(project: Path) -> subprocess.CompletedProcess[str]:
    """``tsc --strict`` on the project (no output files)."""
    return subprocess.run(
        ["npx", "tsc", "--strict", "-p", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_typescript_project_compiles_strictly_and_runs_the_scenario(
    consumer_profile: EngineProfile, dist: Path, tmp_path: Path, emulator: EmulatorProcess
):
    project = tmp_path / "media-callbacks"
    project.mkdir()
    tarball = next(dist.glob("ims-callbacks-ims-*.tgz"))
    package = {
        "name": "media-callbacks",
        "main": "index.ts",
        "dependencies": {"@pulumi/pulumi": "3.270.0", "@ims-callbacks/ims": f"file:{tarball}"},
        "devDependencies": {"typescript": "5.9.3", "@types/node": "20.19.43"},
    }
    (project / "package.json").write_text(json.dumps(package, indent=2))
    (project / "tsconfig.json").write_text(json.dumps(TSCONFIG, indent=2))
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=project,
        check=True,
        capture_output=True,
    )
    (project / "Pulumi.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "media-callbacks",
                "runtime": "nodejs",
                "options": {"refresh": "always"},
                "packages": {"ims": str(PACKAGE_DIR)},
            },
            sort_keys=False,
        )
    )

    (project / "index.ts").write_text(PROGRAM.replace("url:", "urll:", 1))
    typo = tsc(project)
    assert typo.returncode != 0
    assert "'urll' does not exist" in typo.stdout, typo.stdout
    (project / "index.ts").write_text(PROGRAM.replace('"ProduceMediaComplete"', '"ProduceMedia"'))
    assert '"ProduceMedia"' in tsc(project).stdout

    def write(imported: bool) -> None:
        (project / "index.ts").write_text(PROGRAM + (IMPORTED if imported else ""))
        compiled = tsc(project)
        assert compiled.returncode == 0, compiled.stdout

    stack = CliStack(project, "dev", consumer_profile)
    stack.init()
    run_scenario(stack, emulator, write)
