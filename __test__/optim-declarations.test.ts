import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'
import { nativeOptimizers } from '../dist/native.js'
import { fg } from './helpers'

// Each optimizer's hyperparameters are declared once, in the core
// (`hyperparameters!`): the binding's options object is generated from that
// declaration and the TypeScript optimizers take their defaults from it at load
// time. What TypeScript still writes by hand is the public options interface
// with its docs; this test holds it to the native declaration: the same names in
// the same order, the same types, and the defaults its docs state.

const OPTIM_DIR = join(__dirname, '..', 'ts', 'optim')

/** One option of a TypeScript options interface, as its source declares it. */
interface DeclaredOption {
  name: string
  type: string
  /** The doc's `(default …)` text. */
  defaultText: string | undefined
}

/** An optimizer class of `ts/optim` with its options interface and native optimizer. */
interface DeclaredOptimizer {
  className: string
  file: string
  /** The key of `nativeOptimizers` its constructor passes on. */
  nativeKey: string
  options: DeclaredOption[]
}

/** Every `class X extends Optimizer<Required<XOptions>>` of `ts/optim`, read from the source. */
function declaredOptimizers(): DeclaredOptimizer[] {
  const out: DeclaredOptimizer[] = []
  for (const file of readdirSync(OPTIM_DIR).filter((f) => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, readFileSync(join(OPTIM_DIR, file), 'utf8'), ts.ScriptTarget.Latest, true)
    const interfaces = new Map<string, ts.InterfaceDeclaration>()
    source.forEachChild((n) => {
      if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n)
    })
    source.forEachChild((n) => {
      if (!ts.isClassDeclaration(n) || !n.name) return
      const base = n.heritageClauses?.[0]?.types[0]
      if (!base || base.expression.getText(source) !== 'Optimizer') return
      const required = base.typeArguments?.[0]
      const optionsName =
        required && ts.isTypeReferenceNode(required) && required.typeName.getText(source) === 'Required'
          ? required.typeArguments?.[0].getText(source)
          : undefined
      const iface = optionsName === undefined ? undefined : interfaces.get(optionsName)
      if (!iface) throw new Error(`${file}: ${n.name.text}'s options interface ${optionsName} is not in its file`)
      const superCall = /super\(nativeOptimizers\.(\w+),/.exec(n.getText(source))
      if (!superCall) throw new Error(`${file}: ${n.name.text} does not pass nativeOptimizers.<key> to super`)
      out.push({
        className: n.name.text,
        file,
        nativeKey: superCall[1],
        options: iface.members.filter(ts.isPropertySignature).map((m) => {
          const doc = ts
            .getJSDocCommentsAndTags(m)
            .map((d) => d.getText(source))
            .join('\n')
          return {
            name: m.name.getText(source),
            type: m.type?.getText(source).replace(/\s+/g, ' ') ?? '',
            defaultText: /\(default ([^)]*)\)/.exec(doc)?.[1],
          }
        }),
      })
    })
  }
  return out
}

/**
 * The default a doc states for `className`: `0.001`, `false`, `[0.9, 0.999]`, or
 * one per class (`0 for Adam, 0.01 for AdamW`).
 */
function statedDefault(text: string, className: string): unknown {
  const perClass = text.split(',').map((part) => /^\s*(.+?) for (\w+)\s*$/.exec(part))
  if (perClass.every((m) => m !== null)) {
    const own = perClass.find((m) => m![2] === className)
    if (!own) throw new Error(`the default '${text}' names no value for ${className}`)
    text = own[1]
  }
  return JSON.parse(text)
}

/** The TypeScript type that holds a native default. */
function typeOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => typeof v).join(', ')}]`
  return typeof value
}

const declared = declaredOptimizers()

describe('optimizer options: TypeScript against the native declaration', () => {
  test('every native optimizer class has one TypeScript optimizer, named as the native side names it', () => {
    const binding = createRequire(__filename)('../native/binding.cjs') as Record<string, unknown>
    const nativeClasses = Object.values(binding).filter(
      (c): c is { algorithm(): string } =>
        typeof c === 'function' && typeof (c as { defaults?: unknown }).defaults === 'function' && typeof (c as { algorithm?: unknown }).algorithm === 'function',
    )
    expect(nativeClasses.length).toBeGreaterThanOrEqual(5)
    expect(Object.keys(nativeOptimizers).sort()).toEqual(declared.map((d) => d.nativeKey).sort())
    expect(Object.values(nativeOptimizers).map((o) => o.name).sort()).toEqual(nativeClasses.map((c) => c.algorithm()).sort())
    for (const d of declared) {
      expect(nativeOptimizers[d.nativeKey as keyof typeof nativeOptimizers].name, d.file).toBe(d.className)
      expect(typeof (fg.optim as Record<string, unknown>)[d.className], `fg.optim.${d.className}`).toBe('function')
    }
  })

  for (const d of declared) {
    describe(d.className, () => {
      const native = nativeOptimizers[d.nativeKey as keyof typeof nativeOptimizers]
      const defaults = native.defaults as unknown as Record<string, unknown>

      test('the options interface has the native names, in order, with the native types', () => {
        expect(d.options.map((o) => o.name)).toEqual(Object.keys(defaults))
        for (const o of d.options) expect(o.type, `${d.className}.${o.name}`).toBe(typeOf(defaults[o.name]))
      })

      test('the documented defaults are the native defaults', () => {
        for (const o of d.options) {
          expect(o.defaultText, `${d.file}: ${o.name}'s doc states no '(default …)'`).toBeDefined()
          expect(statedDefault(o.defaultText!, d.className), `${d.className}.${o.name}`).toEqual(defaults[o.name])
        }
      })

      test('a new optimizer holds the native defaults', () => {
        const Class = (fg.optim as unknown as Record<string, new (params: fg.Tensor[]) => fg.optim.Optimizer<{ lr: number }>>)[d.className]
        const opt = new Class([fg.zeros([2]).requiresGrad_()])
        const { params, ...hyperparameters } = opt.paramGroups[0]
        expect(params).toHaveLength(1)
        expect(hyperparameters).toEqual(defaults)
        expect(opt.defaults).toEqual(defaults)
      })
    })
  }
})
