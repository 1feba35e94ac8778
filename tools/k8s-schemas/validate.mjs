// Validates every object of a rendered manifest (kubectl kustomize deploy/kubernetes) against
// the Kubernetes API's OpenAPI schemas, as packaged by kubernetes-models. Run through
// tools/check-manifests, which installs the packages.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const [file] = process.argv.slice(2);
const objects = yaml.loadAll(readFileSync(file, "utf8")).filter(Boolean);
let failed = 0;
for (const object of objects) {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : ["", object.apiVersion];
  // kubernetes-models/<group>/<version>/<Kind>; the core group is "v1" at the top.
  const path = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  const what = `${object.kind}/${object.metadata.name}`;
  try {
    const { [object.kind]: Model } = await import(path);
    new Model(object).validate();
    console.log(`valid    ${what} (${object.apiVersion})`);
  } catch (error) {
    failed++;
    console.log(`INVALID  ${what} (${object.apiVersion}): ${error.message}`);
  }
}
console.log(`${objects.length - failed} of ${objects.length} objects valid`);
process.exit(failed ? 1 : 0);
