/**
 * What a send outcome says in words: the one place that writes it. The tools hand it to the model, the audit log's
 * `error` field and the notification channels' results carry the same sentence. Everything before this works with
 * codes, reasons (`detail`, without the "Not sent:" lead) and facts (src/result.ts), so no wording is ever parsed back.
 */
import type { ConfirmedBy } from '../confirm/settings.js'
import type { OwnerRoadId } from '../owner/owner-road.js'
import { takesFileTransferName, TAKES_FILE_TRANSFER_NAME } from './directory.js'
import { quote } from './quote.js'
import type { ResolvedTarget } from './sender.js'

/** How the model reads the road that carried a message to the user themself. */
export const OWNER_ROAD_NAMES: Record<OwnerRoadId, string> = { ilink: 'ClawBot (iLink)', filehelper: 'File Transfer (文件传输助手)' }

/** A send that went out (or a file that did, with what became of its caption), as facts. */
export interface SentFacts {
  target: ResolvedTarget
  confirmedBy?: ConfirmedBy
  /** Set for the conversation with the user themself: who the target is goes without saying, the road does not. */
  road?: OwnerRoadId
  file?: { name: string }
  /** Only when a caption was given: whether it followed the file. */
  caption?: { ok: true } | { ok: false; detail: string; unconfirmed?: boolean }
  /** It went out, but its audit line could not be written: why. */
  auditProblem?: string
}

/** A refused send in one sentence; one WeChat took but did not confirm is not called "not sent": it may arrive. */
export function refusalText(failure: { code: string; detail: string; unconfirmed?: boolean }): string {
  const lead = failure.unconfirmed ? 'Not confirmed' : failure.code === 'confirmation_required' ? 'Not sent yet' : 'Not sent'
  return `${lead}: ${failure.detail}`
}

export function sentText(sent: SentFacts): string {
  const { target, confirmedBy, road, file, caption, auditProblem } = sent
  const to = road ? `the user through ${OWNER_ROAD_NAMES[road]}` : `${target.type === 'room' ? 'room ' : ''}${label(target)}`
  const by = confirmedBy ? ` (approved ${APPROVED[confirmedBy]})` : ''
  const what = file ? ` the file ${quote(file.name)}` : ''
  const after = !caption ? '' : caption.ok ? ' with its caption' : `, but ${caption.unconfirmed ? 'its caption is not confirmed' : 'not its caption'} (${caption.detail})`
  const unrecorded = auditProblem
    ? ` But its audit line could not be written (${auditProblem}); no further WeChat message goes out until DATA_DIR is writable again. Tell the user.`
    : ''
  return `Sent${what} to ${to}${by}${after}.${unrecorded}`
}

/** Any send outcome, as the model reads it. */
export function sendText(result: ({ ok: true } & SentFacts) | { ok: false; code: string; detail: string; unconfirmed?: boolean }): string {
  return result.ok ? sentText(result) : refusalText(result)
}

const APPROVED: Record<ConfirmedBy, string> = { preview: 'after the preview', owner: 'by the user on their phone', client: 'by the user in the client' }

/** A chat as the model reads it: its name quoted, and a friend carrying File Transfer's name told apart from it. */
export function label(target: ResolvedTarget): string {
  const impostor = target.type === 'contact' && takesFileTransferName(target)
  return impostor ? `${quote(target.name)} (id ${quote(target.id)}: ${TAKES_FILE_TRANSFER_NAME})` : quote(target.name)
}
