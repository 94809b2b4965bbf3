#!/usr/bin/env node
// A technician's phone, headless: the real WatermelonDB client (LokiJS, in memory) syncing with a
// running Fieldwork server over HTTP. Nothing here re-implements the protocol: pulls are applied,
// local changes are collected and marked as synced by WatermelonDB's own `synchronize()`.
//
//   node sync_client.js --base-url http://127.0.0.1:8000 --email tech@x.test --password ... \
//        [--scenario offline-edit|pull] [--page-size N] [--work-order ID] [--device-id ID]
//
// Every option may also come from the environment: FIELDWORK_URL, FIELDWORK_EMAIL,
// FIELDWORK_PASSWORD, SCENARIO, PAGE_SIZE, WORK_ORDER_ID, DEVICE_ID.
//
// Prints one JSON summary on stdout (diagnostics go to stderr) and exits non-zero when anything
// went wrong: a failed request, a sync that threw, a record the server refused, an error that
// WatermelonDB logged (it logs protocol violations such as "Server wants client to create record
// ..., but it already exists locally" instead of throwing), or a pulled row that does not match
// the published schema (WatermelonDB would silently coerce it to '', 0, false or null).
'use strict'

const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { schemaMigrations } = require('@nozbe/watermelondb/Schema/migrations')
const { synchronize, hasUnsyncedChanges } = require('@nozbe/watermelondb/sync')
const { field, date, readonly } = require('@nozbe/watermelondb/decorators')
const logger = require('@nozbe/watermelondb/utils/common/logger').default
const WATERMELON_VERSION = require('@nozbe/watermelondb/package.json').version

const REQUEST_TIMEOUT_MS = 30_000

// --- options -----------------------------------------------------------------------------------

function parseOptions(argv, env) {
  const opts = {
    baseUrl: env.FIELDWORK_URL,
    email: env.FIELDWORK_EMAIL,
    password: env.FIELDWORK_PASSWORD,
    scenario: env.SCENARIO || 'offline-edit',
    pageSize: env.PAGE_SIZE ? Number(env.PAGE_SIZE) : undefined,
    workOrder: env.WORK_ORDER_ID,
    deviceId: env.DEVICE_ID || `wmelon-${process.pid}-${Date.now()}`,
  }
  const names = {
    '--base-url': 'baseUrl', '--email': 'email', '--password': 'password',
    '--scenario': 'scenario', '--page-size': 'pageSize', '--work-order': 'workOrder',
    '--device-id': 'deviceId',
  }
  for (let i = 2; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    const key = names[flag]
    if (!key) throw new Error(`unknown argument ${argv[i]}`)
    const value = inline !== undefined ? inline : argv[(i += 1)]
    if (value === undefined) throw new Error(`${flag} needs a value`)
    opts[key] = key === 'pageSize' ? Number(value) : value
  }
  for (const key of ['baseUrl', 'email', 'password']) {
    if (!opts[key]) throw new Error(`missing --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
  }
  if (opts.pageSize !== undefined && !(opts.pageSize >= 1)) throw new Error('--page-size must be >= 1')
  opts.baseUrl = opts.baseUrl.replace(/\/+$/, '')
  return opts
}

// --- HTTP --------------------------------------------------------------------------------------

class Api {
  constructor(baseUrl) {
    this.baseUrl = baseUrl
    this.token = null
    this.requests = 0
  }

  async call(method, path, body) {
    this.requests += 1
    const headers = { Accept: 'application/json' }
    if (this.token) headers.Authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const response = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const text = await response.text()
    if (!response.ok) {
      throw new Error(`${method} ${path.split('?')[0]} answered ${response.status}: ${text.slice(0, 2000)}`)
    }
    try {
      return JSON.parse(text)
    } catch (e) {
      throw new Error(`${method} ${path.split('?')[0]} did not answer JSON: ${text.slice(0, 500)}`)
    }
  }
}

// --- local database built from the server's published schema ----------------------------------

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())

// What babel's legacy-decorator transform does for `@field('col') someCol` in an app's model file.
function decorate(cls, key, ...decorators) {
  let descriptor = { configurable: true, enumerable: true, writable: true, initializer: undefined }
  for (const decorator of decorators.reverse()) {
    descriptor = decorator(cls.prototype, key, descriptor) || descriptor
  }
  Object.defineProperty(cls.prototype, key, descriptor)
}

function modelClass(table) {
  const cls = { [camel(`_${table.name}`)]: class extends Model {} }[camel(`_${table.name}`)]
  cls.table = table.name
  for (const col of table.columns) {
    const isDate = col.type === 'number' && col.name.endsWith('_at')
    const decorators = [isDate ? date(col.name) : field(col.name)]
    if (col.name === 'created_at') decorators.unshift(readonly) // @readonly @date('created_at')
    decorate(cls, camel(col.name), ...decorators)
  }
  return cls
}

function buildDatabase(published) {
  const schema = appSchema({
    version: published.version,
    tables: published.tables.map((t) => tableSchema({ name: t.name, columns: t.columns })),
  })
  // A fresh install starts at the current version; the (empty) steps only let sync send
  // `migration` the way an app with migrations enabled does.
  const migrations = schemaMigrations({
    migrations: Array.from({ length: published.version - 1 }, (_, i) => ({ toVersion: i + 2, steps: [] })),
  })
  const adapter = new LokiJSAdapter({
    schema,
    migrations,
    useWebWorker: false,
    useIncrementalIndexedDB: true, // no IndexedDB in Node: Loki keeps everything in memory
    dbName: 'fieldwork-e2e',
  })
  return new Database({ adapter, modelClasses: published.tables.map(modelClass) })
}

// --- checking what the server sends against what it publishes ---------------------------------

function checkPulledChanges(changes, published, problems) {
  const tables = new Map(published.tables.map((t) => [t.name, t]))
  const seen = new Set()
  for (const [tableName, lists] of Object.entries(changes || {})) {
    const table = tables.get(tableName)
    if (!table) {
      problems.push(`pull: table ${tableName} is not in the published schema`)
      continue
    }
    const columns = new Map(table.columns.map((c) => [c.name, c]))
    for (const verb of ['created', 'updated']) {
      for (const row of lists[verb] || []) {
        const where = `pull: ${tableName}#${row && row.id} (${verb})`
        if (typeof row.id !== 'string') problems.push(`${where}: id is not a string`)
        for (const key of Object.keys(row)) {
          if (key !== 'id' && !columns.has(key)) problems.push(`${where}: unpublished column ${key}`)
        }
        for (const col of table.columns) {
          const value = row[col.name]
          if (!(col.name in row)) problems.push(`${where}: column ${col.name} is missing`)
          else if (value === null) {
            if (!col.isOptional) problems.push(`${where}: ${col.name} is null but not optional`)
          } else if (typeof value !== col.type) {
            problems.push(`${where}: ${col.name} is ${typeof value} ${JSON.stringify(value)}, schema says ${col.type}`)
          }
        }
        const key = `${tableName}#${row.id}`
        if (seen.has(key)) problems.push(`${where}: id listed twice in one pull`)
        seen.add(key)
      }
    }
    for (const id of lists.deleted || []) {
      const key = `${tableName}#${id}`
      if (typeof id !== 'string') problems.push(`pull: ${tableName} deleted holds a non-id ${JSON.stringify(id)}`)
      if (seen.has(key)) problems.push(`pull: ${key} is both sent and deleted`)
      seen.add(key)
    }
  }
}

const countChanges = (changes) => Object.fromEntries(Object.entries(changes || {})
  .map(([t, l]) => [t, { created: (l.created || []).length, updated: (l.updated || []).length, deleted: (l.deleted || []).length }])
  .filter(([, c]) => c.created + c.updated + c.deleted > 0))

// --- the sync itself ---------------------------------------------------------------------------

function syncer(api, database, published, opts, problems) {
  return async function sync(name, { push = true } = {}) {
    const record = { name, pages: 0, timestamps: [], pulled: {}, pushed: {}, push_responses: [], rejected: {} }
    const log = {}
    await synchronize({
      database,
      log,
      migrationsEnabledAtVersion: published.version,
      sendCreatedAsUpdated: false,
      pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
        const merged = {}
        let page = null
        let body
        do {
          const params = new URLSearchParams({
            last_pulled_at: `${lastPulledAt}`, // `null` on a first sync, as WatermelonDB sends it
            schema_version: `${schemaVersion}`,
            migration: JSON.stringify(migration),
          })
          if (opts.pageSize) params.set('page_size', `${opts.pageSize}`)
          if (page) params.set('page', page)
          body = await api.call('GET', `/api/v1/sync/pull?${params}`)
          record.pages += 1
          record.timestamps.push(body.timestamp)
          for (const [table, lists] of Object.entries(body.changes || {})) {
            const into = (merged[table] = merged[table] || { created: [], updated: [], deleted: [] })
            for (const verb of ['created', 'updated', 'deleted']) into[verb].push(...(lists[verb] || []))
          }
          page = body.next_page || null
          if (record.pages > 10_000) throw new Error('pull: next_page never became null')
        } while (page)
        checkPulledChanges(merged, published, problems)
        record.pulled = countChanges(merged)
        return { changes: merged, timestamp: body.timestamp }
      },
      pushChanges: push ? async ({ changes, lastPulledAt }) => {
        record.pushed = countChanges(changes)
        const response = await api.call('POST', `/api/v1/sync/push?last_pulled_at=${lastPulledAt}`, changes)
        record.push_responses.push(response)
        const rejected = response.experimentalRejectedIds || {}
        record.rejected = rejected
        for (const [table, ids] of Object.entries(rejected)) {
          for (const id of ids) {
            const outcome = ((response.outcomes || {})[table] || {})[id] || {}
            problems.push(`push: server refused ${table}#${id}: ${outcome.code || '?'} ${outcome.reason || ''}`.trim())
          }
        }
        return { experimentalRejectedIds: rejected }
      } : undefined,
    })
    record.timestamp = record.timestamps[record.timestamps.length - 1]
    record.resolved_conflicts = (log.resolvedConflicts || []).length
    record.local_counts = await localCounts(database)
    record.unsynced_after = await hasUnsyncedChanges({ database })
    return record
  }
}

async function localCounts(database) {
  const out = {}
  for (const table of Object.keys(database.collections.map)) {
    out[table] = await database.get(table).query().fetchCount()
  }
  return out
}

async function dumpLocal(database) {
  const records = {}
  const statuses = {}
  for (const table of Object.keys(database.collections.map)) {
    const all = await database.get(table).query().fetch()
    records[table] = all.map(({ _raw: { _status, _changed, ...columns } }) => columns)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
    for (const r of all) if (r._raw._status !== 'synced') (statuses[table] = statuses[table] || {})[r.id] = r._raw._status
  }
  return { records, not_synced: statuses }
}

const woSummary = (wo) => ({
  id: wo.id, number: wo._raw.number, status: wo._raw.status, site_id: wo._raw.site_id,
  asset_id: wo._raw.asset_id, assignee_id: wo._raw.assignee_id,
})

// --- scenarios -----------------------------------------------------------------------------------

const SCENARIOS = {
  // One first sync; the local database is dumped (a second device's view).
  async pull(ctx) {
    ctx.summary.syncs.push(await ctx.sync('first'))
    ctx.summary.work_orders = (await ctx.database.get('work_orders').query().fetch()).map(woSummary)
  },

  // First sync; offline: a note and the work order completed; sync (pull + push); sync again.
  async 'offline-edit'(ctx) {
    const { database, summary, opts } = ctx
    summary.syncs.push(await ctx.sync('first'))
    const workOrders = await database.get('work_orders').query().fetch()
    summary.work_orders = workOrders.map(woSummary)
    process.stderr.write(`first sync: ${workOrders.length} work order(s): ${workOrders.map((w) => `${w._raw.number} ${w._raw.status}`).join(', ')}\n`)
    const wo = opts.workOrder ? workOrders.find((w) => w.id === opts.workOrder) : workOrders[0]
    if (!wo) throw new Error(`the first sync brought no work order${opts.workOrder ? ` ${opts.workOrder}` : ''}`)
    summary.work_order_id = wo.id

    // Offline, as the technician's app would do it (decorated fields, one writer).
    const noteBody = `Replaced the contactor (offline, ${new Date().toISOString()})`
    const resolution = 'Contactor replaced, unit cooling to spec'
    let note
    await database.write(async () => {
      note = await database.get('work_order_notes').create((n) => {
        n.workOrderId = wo.id
        n.body = noteBody
        n.authorId = summary.user.id
      })
      await wo.update((w) => {
        w.status = 'completed'
        w.resolutionNotes = resolution
      })
    })
    summary.offline = {
      note_id: note.id, note_body: noteBody, resolution_notes: resolution,
      work_order_changed: wo._raw._changed, unsynced: await hasUnsyncedChanges({ database }),
    }

    summary.syncs.push(await ctx.sync('second'))
    summary.syncs.push(await ctx.sync('third'))
  },
}

// --- main ----------------------------------------------------------------------------------------

async function main() {
  const summary = {
    watermelondb: WATERMELON_VERSION, node: process.version, scenario: null, device_id: null,
    user: null, schema_version: null, syncs: [], client_errors: [], protocol_errors: [], error: null,
  }
  // WatermelonDB reports recoverable protocol violations through its logger, not by throwing.
  const clientErrors = summary.client_errors
  const format = (messages) => messages.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')
  logger.error = (...messages) => { clientErrors.push(format(messages)); process.stderr.write(`[watermelondb error] ${format(messages)}\n`) }
  logger.warn = (...messages) => { process.stderr.write(`[watermelondb warn] ${format(messages)}\n`) }
  logger.log = (...messages) => { process.stderr.write(`[watermelondb] ${format(messages)}\n`) }

  let database = null
  try {
    const opts = parseOptions(process.argv, process.env)
    const run = SCENARIOS[opts.scenario]
    if (!run) throw new Error(`unknown scenario ${opts.scenario} (known: ${Object.keys(SCENARIOS).join(', ')})`)
    summary.scenario = opts.scenario
    summary.device_id = opts.deviceId
    const api = new Api(opts.baseUrl)
    const login = await api.call('POST', '/api/v1/auth/login', { email: opts.email, password: opts.password, device_id: opts.deviceId })
    api.token = login.access_token
    summary.user = { id: login.user && login.user.id, email: opts.email }
    const published = await api.call('GET', '/api/v1/sync/schema')
    summary.schema_version = published.version
    database = buildDatabase(published)
    const ctx = { opts, api, database, summary, sync: syncer(api, database, published, opts, summary.protocol_errors) }
    await run(ctx)
    const local = await dumpLocal(database)
    summary.local = local.records
    summary.not_synced = local.not_synced
    if (summary.work_order_id) {
      const wo = summary.local.work_orders.find((r) => r.id === summary.work_order_id)
      summary.final_status = wo ? wo.status : null
      summary.local_work_order = wo || null
    }
    summary.requests = api.requests
  } catch (error) {
    summary.error = (error && error.stack) || String(error)
    process.stderr.write(`sync_client: ${summary.error}\n`)
  }
  const failed = summary.error || summary.client_errors.length || summary.protocol_errors.length
  // Loki's autosave timer would keep Node alive: exit once the summary is written.
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`, () => process.exit(failed ? 1 : 0))
}

main()
