/**
 * The vocabulary of send confirmation, kept free of imports so config.ts can read it: which sends a person must
 * approve (WECHAT_CONFIRM_SENDS) and who is asked (WECHAT_CONFIRM_VIA), and the outcomes the tools and audit report.
 */
export const CONFIRM_SENDS = ['off', 'all', 'others'] as const
export type ConfirmSends = (typeof CONFIRM_SENDS)[number]

export const CONFIRM_VIA = ['client', 'owner', 'auto'] as const
export type ConfirmVia = (typeof CONFIRM_VIA)[number]

/** Who approved a send that went ahead. */
export const CONFIRMED_BY = ['client', 'owner', 'preview'] as const
export type ConfirmedBy = (typeof CONFIRMED_BY)[number]

/**
 * Why a send stopped at its confirmation: the person said no (or closed the question), nobody answered in time, the
 * client cannot be asked so a preview was handed back, or a confirmation id did not fit the send it came with.
 */
export const CONFIRM_STOPS = ['declined', 'confirmation_timeout', 'confirmation_required', 'confirmation_invalid'] as const
export type ConfirmStop = (typeof CONFIRM_STOPS)[number]

/** How long a preview's confirmation id stays good. */
export const PREVIEW_TTL_MS = 5 * 60_000
