"""Checks that deploy/ runs what the build makes: the Kubernetes manifests give each service
only settings it has, everything it requires, ports that agree, peer addresses that name the
manifests' own Services and files that are mounted; the container image installs every shared
library the binaries link and puts them where the manifests run them.

Run by ctest (tests/deploy/CMakeLists.txt) with the build directory as THROUGHLINE_BUILD_DIR:
    python3 tests/deploy/deploy_test.py -v
"""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "lib"))
from deploy import (  # noqa: E402
    CONTAINERFILE, KUBERNETES, Manifests, image_user, load_manifests, runtime_packages, runtime_stage)
BUILD = Path(os.environ.get("THROUGHLINE_BUILD_DIR", ROOT / "build"))
SERVICES = ("segmentd", "offeringd", "alignmentd")


def binary(name):
    """The built binary of service `name` (segmentd → build/services/segment/segmentd)."""
    return BUILD / "services" / name[:-1] / name


def options_of(name):
    """The environment variables `name --help` lists, and those of its REQUIRED options."""
    help_text = subprocess.run(
        [binary(name), "--help"], check=True, capture_output=True, text=True
    ).stdout
    variables, required = set(), set()
    # CLI11: "  --option TYPE [REQUIRED] (Env:THROUGHLINE_X)", wrapped or not.
    for option in re.split(r"\n\s+(?=--)", help_text):
        env = re.search(r"\(Env:(THROUGHLINE_[A-Z0-9_]+)\)", option)
        if env:
            variables.add(env.group(1))
            if re.search(r"\bREQUIRED\b", option.split("(Env:")[0]):
                required.add(env.group(1))
    return variables, required


def port_of(address):
    return int(address.rsplit(":", 1)[1])


class KubernetesManifestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = Manifests()

    def containers(self):
        """(service name, pod spec, its container) for each Deployment."""
        for name, deployment in self.m.deployments().items():
            spec = deployment["spec"]["template"]["spec"]
            self.assertEqual(len(spec["containers"]), 1, name)
            yield name, spec, spec["containers"][0]

    def test_the_kustomization_lists_every_manifest(self):
        listed = set(self.m.kustomization["resources"])
        on_disk = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
        self.assertEqual(listed, on_disk)
        self.assertEqual(set(self.m.deployments()), set(SERVICES))

    def test_each_service_runs_its_own_binary(self):
        for name, _, container in self.containers():
            self.assertEqual(container["command"], [f"/usr/local/bin/{name}"])
            self.assertTrue(binary(name).exists(), binary(name))

    def test_each_variable_is_a_setting_of_the_service_it_is_given_to(self):
        for name, _, container in self.containers():
            variables, _ = options_of(name)
            unknown = set(self.m.environment(container)) - variables
            self.assertFalse(unknown, f"{name} has no such settings (its --help lists them)")

    def test_each_service_gets_what_it_requires(self):
        for name, _, container in self.containers():
            _, required = options_of(name)
            env = self.m.environment(container)
            # Required by --help, and the two every service checks at start.
            for variable in required | {"THROUGHLINE_DATABASE_URL", "THROUGHLINE_TOKENS_FILE"}:
                self.assertIn(variable, env, name)
            self.assertNotIn("THROUGHLINE_DEV_TOKEN", env, f"{name}: the development token")

    def test_secret_values_come_from_secrets(self):
        secret = ("THROUGHLINE_DATABASE_URL", "THROUGHLINE_READ_DATABASE_URL",
                  "THROUGHLINE_SERVICE_TOKEN")
        for name, _, container in self.containers():
            for variable in container.get("env", []):
                if variable["name"] in secret:
                    self.assertIn("secretKeyRef", variable.get("valueFrom", {}), name)
        for config in self.m.config.values():
            self.assertFalse(set(config) & set(secret), "a secret in a ConfigMap")

    def test_ports_agree(self):
        services = self.m.services()
        for name, _, container in self.containers():
            env = self.m.environment(container)
            ports = {p["name"]: p["containerPort"] for p in container["ports"]}
            self.assertEqual(ports["grpc"], port_of(env["THROUGHLINE_LISTEN"]), name)
            self.assertEqual(ports["admin"], port_of(env["THROUGHLINE_ADMIN_LISTEN"]), name)
            self.assertFalse(env["THROUGHLINE_LISTEN"].startswith("127."), f"{name}: loopback")
            self.assertEqual(container["readinessProbe"]["grpc"]["port"], ports["grpc"], name)
            for probe in ("startupProbe", "livenessProbe"):
                self.assertEqual(container[probe]["tcpSocket"]["port"], "grpc", name)
            annotations = self.m.deployments()[name]["spec"]["template"]["metadata"]["annotations"]
            self.assertEqual(int(annotations["prometheus.io/port"]), ports["admin"], name)
            # A headless Service: its name resolves to the pods, which callers dial directly.
            service = services[name]["spec"]
            self.assertEqual(service["clusterIP"], "None", name)
            self.assertEqual(service["selector"], self.m.deployments()[name]["spec"]["selector"]["matchLabels"])
            (service_port,) = service["ports"]
            self.assertEqual(service_port["port"], ports["grpc"], name)
            self.assertEqual(service_port["targetPort"], "grpc", name)

    def test_peer_addresses_name_the_services_that_serve_them(self):
        services = self.m.services()
        seen = 0
        for name, _, container in self.containers():
            for variable, value in self.m.environment(container).items():
                peer = re.fullmatch(r"THROUGHLINE_([A-Z]+)_ADDRESS", variable)
                if not peer:
                    continue
                seen += 1
                callee = peer.group(1).lower() + "d"
                # dns:/// so that gRPC resolves every replica and DialService's round robin
                # spreads the calls.
                self.assertEqual(value, f"dns:///{callee}:{services[callee]['spec']['ports'][0]['port']}",
                                 f"{name} {variable}")
        self.assertEqual(seen, 4)  # offeringd: segment, alignment; alignmentd: segment, offering

    def test_files_the_settings_name_are_mounted(self):
        for name, spec, container in self.containers():
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            volumes = {v["name"]: v for v in spec.get("volumes", [])}
            for variable, value in self.m.environment(container).items():
                if value and value.startswith("/"):
                    mount = [path for path in mounts if value.startswith(path + "/")]
                    self.assertTrue(mount, f"{name}: {variable}={value} is on no volume")
                    self.assertIn(mounts[mount[0]], volumes, name)

    def test_pods_run_unprivileged(self):
        user = image_user()
        for name, spec, container in self.containers():
            self.assertTrue(spec["securityContext"]["runAsNonRoot"], name)
            self.assertEqual(spec["securityContext"]["runAsUser"], user, name)
            security = container["securityContext"]
            self.assertFalse(security["allowPrivilegeEscalation"], name)
            self.assertTrue(security["readOnlyRootFilesystem"], name)
            self.assertEqual(security["capabilities"]["drop"], ["ALL"], name)
            # With a read-only root, the TLS files' private copies need a writable /tmp.
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            self.assertIn("/tmp", mounts, name)
            # The Secrets' files are readable by the service's group, and only by it.
            self.assertEqual(spec["securityContext"]["fsGroup"], spec["securityContext"]["runAsGroup"])
            for volume in spec["volumes"]:
                if "secret" in volume:
                    self.assertEqual(volume["secret"]["defaultMode"], 0o440, name)


def package_of(library_path):
    """The Debian package that installed `library_path` (usrmerge: /usr/lib or /lib)."""
    real = os.path.realpath(library_path)
    candidates = [real, re.sub(r"^/usr/lib/", "/lib/", real), library_path]
    for candidate in candidates:
        found = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":", 1)[0]
    raise AssertionError(f"no Debian package has {library_path}")


class ContainerImageTest(unittest.TestCase):
    def test_the_image_installs_every_library_the_binaries_link(self):
        installed = set(runtime_packages())
        for name in SERVICES:
            # The libraries the binary names itself (DT_NEEDED); theirs come with the packages.
            needed = subprocess.run(
                ["readelf", "-d", binary(name)], check=True, capture_output=True, text=True
            ).stdout
            libraries = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", needed)
            self.assertTrue(libraries, name)
            resolved = dict(
                re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(
                    ["ldd", binary(name)], check=True, capture_output=True, text=True).stdout, re.M)
            )
            for library in libraries:
                # Named even where the base image has it already (libc6): the list is then
                # complete whatever the base.
                self.assertIn(package_of(resolved[library]), installed, f"{name} links {library}")

    def test_the_image_puts_the_binaries_where_the_manifests_run_them(self):
        self.assertRegex(CONTAINERFILE.read_text(), r"RUN tools/build-release /out\b")
        self.assertIn("COPY --from=build /out/ /usr/local/bin/", runtime_stage())
        script = (ROOT / "tools" / "build-release").read_text()
        built = re.search(r"--target ([a-z ]+)", script).group(1).split()
        _, objects = load_manifests()
        for deployment in (o for o in objects if o["kind"] == "Deployment"):
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            self.assertIn(Path(container["command"][0]).name, built)


if __name__ == "__main__":
    unittest.main()
