import { backendConformance } from "../backend.case.js";
import { MemoryBackend } from "./memory.js";

backendConformance("memory", async () => new MemoryBackend());
