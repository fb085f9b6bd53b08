#!/usr/bin/env node
// Builds the linux-x64-gnu binary against glibc 2.28 with cargo-zigbuild (zig from
// PyPI's `ziglang`), then packs the main package and the platform package into
// target/pack/. Needs: `npm run build` done (dist/ and the generated loader),
// `cargo install --locked cargo-zigbuild`, `pip install ziglang`.
//
//   npm run pack:local
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const triple = 'x86_64-unknown-linux-gnu'
const glibc = '2.28'
const platformDir = join(root, 'npm', 'linux-x64-gnu')
const out = join(root, 'target', 'pack')

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts })

console.log(`building ${triple} against glibc ${glibc} with cargo-zigbuild`)
run('cargo', ['zigbuild', '--release', '-p', 'ferrograd-node', '--target', `${triple}.${glibc}`], { stdio: 'inherit' })
const built = join(root, 'target', triple, 'release', 'libferrograd_node.so')
const binary = join(platformDir, 'ferrograd.linux-x64-gnu.node')
copyFileSync(built, binary)

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
// --ignore-scripts: `prepare` would rebuild the host binary; the packs need none.
for (const dir of [root, platformDir]) {
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: dir })
}
const tarballs = readdirSync(out).filter((f) => f.endsWith('.tgz'))
for (const t of tarballs) console.log(`packed ${join('target/pack', t)} (${statSync(join(out, t)).size} bytes)`)
console.log(`platform binary: ${statSync(binary).size} bytes`)
