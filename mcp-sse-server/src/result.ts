/**
 * The one shape of an expected failure inside the server: a code to branch on and the reason in words (`detail`,
 * never with a "Not sent:" lead), next to whatever facts the caller needs. A success carries facts, not a sentence.
 * Sentences for the model are written only where a result leaves the server (wechat/send-text.ts for sends), so no
 * module ever has to take another's English apart.
 */
export type Ok<T extends object = object> = { ok: true } & T
export type Fail<C extends string, X extends object = object> = { ok: false; code: C; detail: string } & X
export type Result<T extends object, C extends string, X extends object = object> = Ok<T> | Fail<C, X>
