/**
 * The roads this process runs, and the one place that says what each one's login state means: /health,
 * getLoginStatus, the login page, the terminal and every "not logged in" answer read it from here, so they never
 * disagree. A road this configuration does not run is `off`, with why and how to turn it on.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from '../logger.js'
import type { RoadContext, RoadDefinition } from './index.js'
import { ROAD_IDS, type Road, type RoadId, type RoadMessage, type RoadState } from './road.js'

export interface RoadView {
  id: RoadId
  title: string
  state: RoadState
}

const SINCE_START = new Date().toISOString()

export class Roads extends EventEmitter<{ state: [RoadId, RoadState]; message: [RoadId, RoadMessage] }> {
  /** Where the user scans; set by the server once it knows its own address. */
  loginPageUrl = '/login'
  private readonly running = new Map<RoadId, Road>()
  private readonly offStates = new Map<RoadId, RoadState>()
  private readonly titles = new Map<RoadId, string>()
  private readonly log: Logger

  constructor(definitions: readonly RoadDefinition[], context: Omit<RoadContext, 'loginPageUrl'>) {
    super()
    this.log = context.logger.child({ component: 'roads' })
    for (const definition of definitions) {
      this.titles.set(definition.id, definition.title)
      if (!definition.enabled(context.config)) {
        this.offStates.set(definition.id, { status: 'off', ...definition.off(context.config), since: SINCE_START })
        continue
      }
      const road = definition.create({ ...context, loginPageUrl: () => this.loginPageUrl })
      this.running.set(definition.id, road)
      road.on('state', (state) => this.emit('state', definition.id, state))
      road.on('message', (message) => this.emit('message', definition.id, message))
    }
  }

  /** The running road with this id, if this configuration runs it. */
  road(id: RoadId): Road | undefined {
    return this.running.get(id)
  }

  has(id: RoadId): boolean {
    return this.running.has(id)
  }

  state(id: RoadId): RoadState {
    return this.running.get(id)?.state ?? this.offStates.get(id) ?? { status: 'off', since: SINCE_START }
  }

  isLoggedIn(id: RoadId): boolean {
    return this.state(id).status === 'logged_in'
  }

  /** Every road this version knows, running or not, in the registry's order. */
  list(): RoadView[] {
    return ROAD_IDS.map((id) => ({ id, title: this.titles.get(id) ?? id, state: this.state(id) }))
  }

  /** What to tell the model (and the user) while a road is not logged in: what is wrong and what to do. */
  hint(id: RoadId): string {
    const { status, reason, action } = this.state(id)
    const parts = [reason, action]
    if (status === 'waiting_for_scan' || status === 'scanned' || status === 'logged_out' || status === 'expired') {
      parts.push(`The user must scan the QR code with WeChat on their phone: open ${this.loginPageUrl} (or look at the server's terminal), then try again.`)
    } else if (status === 'starting') {
      parts.push(`Try again in a few seconds; the login page is ${this.loginPageUrl}.`)
    } else if (status === 'failed') {
      parts.push(`The login page ${this.loginPageUrl} shows the same.`)
    }
    return parts.filter(Boolean).join(' ')
  }

  /** Starts every running road in the background; a road that cannot start says so in its state. */
  startAll(): void {
    for (const [id, road] of this.running) {
      road.start().catch((err) => this.log.error({ road: id, err: String(err) }, 'road failed to start'))
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.running].map(([id, road]) => road.stop().catch((err) => this.log.warn({ road: id, err: String(err) }, 'road stop failed'))),
    )
  }
}
