// Writes fixtures/interop/ferrograd_written.safetensors, the file
// scripts/make_interop.py reads with Python's safetensors to prove PyTorch users
// can load what ferrograd saves. Run after `npm run build`:
//   node scripts/write-interop.mjs && /tmp/torchenv/bin/python scripts/make_interop.py
import { createRequire } from 'node:module'
import { interopTensors, interopMetadata } from './interop-tensors.mjs'

const fg = createRequire(import.meta.url)('../dist/index.js')
const path = new URL('../fixtures/interop/ferrograd_written.safetensors', import.meta.url).pathname
fg.save(interopTensors(fg), path, { metadata: interopMetadata })
console.log(`wrote ${path}`)
