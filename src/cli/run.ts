/** Development entry: `node --import tsx src/cli/run.ts up` runs the CLI from source. */
import { main } from "./main.js";

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
