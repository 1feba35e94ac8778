"""Reads deploy/: the Kubernetes manifests' objects and the environment each Deployment gives
its container, and the container image's run-time stage. Used by tests/deploy/deploy_test.py
and tools/check-image. As a program:

    python3 tools/lib/deploy.py env SERVICE SECRET/KEY=VALUE...
        the environment of SERVICE's container, NUL-separated KEY=VALUE, with the Secrets'
        values given as arguments (throughline-database/url='host=...')
    python3 tools/lib/deploy.py replicas SERVICE
        the replicas of SERVICE's Deployment
    python3 tools/lib/deploy.py packages
        the Debian packages the image's run-time stage installs, one per line
    python3 tools/lib/deploy.py user
        the numeric user (and group) the image runs as
"""

import re
import shlex
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
CONTAINERFILE = ROOT / "deploy" / "container" / "Containerfile"


def load_manifests():
    """The kustomization, and every object of its resources."""
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    objects = []
    for resource in kustomization["resources"]:
        objects += [o for o in yaml.safe_load_all((KUBERNETES / resource).read_text()) if o]
    return kustomization, objects


class Manifests:
    def __init__(self):
        self.kustomization, self.objects = load_manifests()
        self.config = {o["metadata"]["name"]: o.get("data", {}) for o in self.of_kind("ConfigMap")}

    def of_kind(self, kind):
        return [o for o in self.objects if o["kind"] == kind]

    def deployments(self):
        return {d["metadata"]["name"]: d for d in self.of_kind("Deployment")}

    def services(self):
        return {s["metadata"]["name"]: s for s in self.of_kind("Service")}

    def container(self, deployment):
        (container,) = self.deployments()[deployment]["spec"]["template"]["spec"]["containers"]
        return container

    def environment(self, container, secrets=None):
        """The container's environment, name → value. A Secret's value is
        secrets["<secret>/<key>"], or None without `secrets`; an optional one missing from
        `secrets` is left out, as Kubernetes leaves it out when the Secret lacks the key."""
        env = {}
        for source in container.get("envFrom", []):
            env.update(self.config[source["configMapRef"]["name"]])
        for variable in container.get("env", []):
            if "value" in variable:
                env[variable["name"]] = variable["value"]
            else:
                ref = variable["valueFrom"]["secretKeyRef"]
                key = f"{ref['name']}/{ref['key']}"
                if secrets is None:
                    env[variable["name"]] = None
                elif key in secrets or not ref.get("optional", False):
                    env[variable["name"]] = secrets[key]
        return env


def runtime_stage():
    """The Containerfile's last stage, continuation lines joined."""
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    return re.split(r"^FROM ", text, flags=re.M)[-1]


def runtime_packages():
    """The packages the run-time stage installs with apt-get."""
    install = re.search(r"apt-get install -y --no-install-recommends ([^&]+)", runtime_stage())
    return shlex.split(install.group(1))


def image_user():
    """The numeric user the image runs as."""
    return int(re.search(r"^USER (\d+):(\d+)$", runtime_stage(), re.M).group(1))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "env":
        secrets = dict(argument.split("=", 1) for argument in sys.argv[3:])
        manifests = Manifests()
        container = manifests.container(sys.argv[2])
        for name, value in manifests.environment(container, secrets).items():
            sys.stdout.write(f"{name}={value}\0")
    elif len(sys.argv) == 3 and sys.argv[1] == "replicas":
        print(Manifests().deployments()[sys.argv[2]]["spec"]["replicas"])
    elif sys.argv[1:] == ["packages"]:
        print("\n".join(runtime_packages()))
    elif sys.argv[1:] == ["user"]:
        print(image_user())
    else:
        sys.exit(__doc__)
