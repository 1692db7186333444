/** Waiting on the in-process WeChat's login state, for tests that drive the bot directly. */
import type { LoginState, WeChat } from '../../src/wechat/wechat.js'

export function waitForState(wechat: WeChat, status: LoginState['status']): Promise<LoginState> {
  if (wechat.state.status === status) return Promise.resolve(wechat.state)
  return new Promise((resolve) => {
    const onState = (state: LoginState) => {
      if (state.status !== status) return
      wechat.off('state', onState)
      resolve(state)
    }
    wechat.on('state', onState)
  })
}
