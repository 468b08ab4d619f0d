// Placeholder until the web app is built out: shows that the engine loads in the browser.
import { cidr } from "@aksnet/engine";
const merged = cidr().merge(["10.0.0.0/24", "10.0.1.0/24"]).toStrings().join(", ");
document.getElementById("status")!.textContent = `Engine ready: merge(10.0.0.0/24, 10.0.1.0/24) = ${merged}`;
