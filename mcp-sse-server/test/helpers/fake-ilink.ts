/**
 * The fake iLink server the tests talk to is the sandbox's simulator (src/roads/ilink/simulator.ts): one server
 * that checks every request the way WeChat's would, proven by the tests the sandbox relies on.
 */
export { IlinkSimulator as FakeIlink, OWNER_ID, BOT_ID, type RecordedRequest, type FakeItem, type Upload } from '../../src/roads/ilink/simulator.js'
