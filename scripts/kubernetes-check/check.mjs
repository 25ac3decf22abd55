// Validates every document of the given Kubernetes manifests against the API schemas of its kind (kubernetes-models
// runs ajv over Kubernetes' OpenAPI definitions); prints one line per document, exits 1 on the first invalid one.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { PersistentVolumeClaim, Service } from "kubernetes-models/v1";

const kinds = { "apps/v1 Deployment": Deployment, "v1 Service": Service, "v1 PersistentVolumeClaim": PersistentVolumeClaim };
let failed = false;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.log(`${file}: not YAML: ${document.errors[0].message}`);
      failed = true;
      continue;
    }
    const object = document.toJS();
    const key = `${object.apiVersion} ${object.kind}`;
    const model = kinds[key];
    if (!model) {
      console.log(`${file}: ${key} is not a kind this check knows`);
      failed = true;
      continue;
    }
    try {
      new model(object).validate();
      console.log(`${file}: ${key} ${object.metadata.name} valid`);
    } catch (error) {
      console.log(`${file}: ${key} ${object.metadata?.name} invalid: ${error.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
