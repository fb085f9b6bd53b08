import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { xorTrainingScript } from './helpers'

// A project outside the repository that depends on ferrograd through a file: path,
// as a user's would, and trains a 2-layer network through require and import.
const root = resolve(__dirname, '..')
let dir = ''


beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferrograd-user-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, dependencies: { ferrograd: `file:${root}` } }))
  // On Windows npm is a .cmd script, which only a shell can start.
  execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    stdio: 'pipe',
    shell: process.platform === 'win32',
  })
  writeFileSync(join(dir, 'train.cjs'), xorTrainingScript("const fg = require('ferrograd')"))
  writeFileSync(join(dir, 'train.mjs'), xorTrainingScript("import * as fg from 'ferrograd'"))
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

for (const file of ['train.cjs', 'train.mjs']) {
  test(`${file}: trains a 2-layer network`, () => {
    const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' }).trim())
    expect(out.correct).toBe(4)
    expect(out.loss).toBeLessThan(0.05)
    expect(out.isError).toBe(true)
  })
}
