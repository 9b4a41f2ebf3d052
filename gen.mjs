import { generateCorpus } from './lib/scripts/generate-corpus.js';
await generateCorpus(process.argv[2], { issues: Number(process.argv[3] ?? 520) });
