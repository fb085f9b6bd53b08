import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { xorTrainingScript } from './helpers'

// Installs what `npm run pack:local` packed into an empty project, offline, as
// users get it from the registry: the main package plus the platform package.
const root = resolve(__dirname, '..')
const packs = join(root, 'target', 'pack')
const mainTgz = join(packs, 'ferrograd-0.1.0.tgz')
const platformTgz = join(packs, 'ferrograd-linux-x64-gnu-0.1.0.tgz')
const dirs: string[] = []

function project(tarballs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferrograd-tarball-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: dir, stdio: 'pipe' })
  return dir
}


let app = ''
beforeAll(() => {
  for (const t of [mainTgz, platformTgz]) {
    if (!statSync(t, { throwIfNoEntry: false })) throw new Error(`${t} is missing: run npm run pack:local first`)
  }
  app = project([mainTgz, platformTgz])
})

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('npm install of the packed tarballs', () => {
  test('nothing runs at install time', () => {
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'))
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([, p]) => p.hasInstallScript)
      .map(([k]) => k)
    expect(withScripts).toEqual([])
    // The main package carries no binary; the platform package carries one.
    expect(readdirSync(join(app, 'node_modules', 'ferrograd', 'native'))).not.toContain('ferrograd.linux-x64-gnu.node')
    expect(readdirSync(join(app, 'node_modules', 'ferrograd-linux-x64-gnu'))).toContain('ferrograd.linux-x64-gnu.node')
  })

  for (const [file, load] of [
    ['train.cjs', "const fg = require('ferrograd')"],
    ['train.mjs', "import * as fg from 'ferrograd'"],
  ] as const) {
    test(`${file} trains a tiny model`, () => {
      writeFileSync(join(app, file), xorTrainingScript(load))
      const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' }).trim())
      expect(out.correct).toBe(4)
    })
  }

  test('the scalar path trains too (FERROGRAD_SIMD=scalar)', () => {
    writeFileSync(join(app, 'scalar.cjs'), xorTrainingScript("const fg = require('ferrograd')"))
    const out = JSON.parse(
      execFileSync(process.execPath, ['scalar.cjs'], { cwd: app, encoding: 'utf8', env: { ...process.env, FERROGRAD_SIMD: 'scalar' } }).trim(),
    )
    expect(out).toMatchObject({ correct: 4, simd: 'scalar' })
  })

  test('without the platform package, the error names the platform and what to do', () => {
    const bare = project([mainTgz])
    writeFileSync(join(bare, 'load.cjs'), "require('ferrograd')")
    const r = spawnSync(process.execPath, ['load.cjs'], { cwd: bare, encoding: 'utf8' })
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('could not load the native binary for linux-x64-gnu')
    expect(r.stderr).toContain("optional dependency 'ferrograd-linux-x64-gnu'")
  })
})

describe('the platform binary', () => {
  const binary = join(root, 'npm', 'linux-x64-gnu', 'ferrograd.linux-x64-gnu.node')

  test('needs glibc 2.28 at most', () => {
    const symbols = execFileSync('objdump', ['-T', binary], { encoding: 'utf8' })
    const versions = [...symbols.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])])
    const [major, minor] = versions.reduce((a, b) => (a[0] * 1000 + a[1] >= b[0] * 1000 + b[1] ? a : b))
    console.log(`highest GLIBC symbol version: ${major}.${minor}`)
    expect(major * 1000 + minor).toBeLessThanOrEqual(2028)
  })

  test('the platform package unpacks to under 8 MB', () => {
    const listing = execFileSync('tar', ['tzvf', platformTgz], { encoding: 'utf8' })
    const bytes = listing
      .trim()
      .split('\n')
      .reduce((n, line) => n + Number(line.trim().split(/\s+/)[2]), 0)
    console.log(`platform package unpacked: ${bytes} bytes`)
    expect(bytes).toBeLessThan(8 * 1024 * 1024)
  })
})

describe('an x86-64 CPU without AVX (qemu-user emulating a Nehalem)', () => {
  test('loads the packed binary, picks the scalar path and trains', () => {
    writeFileSync(join(app, 'old-cpu.cjs'), xorTrainingScript("const fg = require('ferrograd')"))
    const r = spawnSync('qemu-x86_64', ['-cpu', 'Nehalem', process.execPath, 'old-cpu.cjs'], { cwd: app, encoding: 'utf8' })
    if (r.error) throw new Error(`qemu-x86_64 is needed (Debian package qemu-user): ${r.error.message}`)
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ correct: 4, simd: 'scalar' })
  })
})
