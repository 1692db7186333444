/**
 * The owner conversation's vocabulary, kept free of imports so config.ts can read it: which roads can carry it and
 * the setting that picks one (WECHAT_OWNER_ROAD), and the chat id it has in the inbox whatever the road.
 */
export const OWNER_ROAD_SETTINGS = ['auto', 'ilink', 'filehelper'] as const
export type OwnerRoadSetting = (typeof OWNER_ROAD_SETTINGS)[number]

export const OWNER_ROAD_IDS = ['ilink', 'filehelper'] as const
export type OwnerRoadId = (typeof OWNER_ROAD_IDS)[number]

/** The owner's chat in the inbox and in the conversation tools (`{"id":"me"}`), on every road. */
export const OWNER_CHAT_ID = 'me'
export const OWNER_CHAT_NAME = 'Me (the user)'
/** Who speaks when the owner writes: the tools show this instead of the account's own id. */
export const OWNER_SENDER = { id: OWNER_CHAT_ID, name: 'the user', self: false } as const
