/**
 * Deterministic sandbox address books of any size, shaped like a real one: Chinese and Latin nicknames, a remark
 * (备注) on about a third of them, a few rooms. One contact, `TARGET`, exists exactly once at every size, in the
 * middle of the book, and shares no two-character run with anyone else: looking it up returns the same single exact
 * match at 500 and at 50,000 contacts, so only the cost of searching the book changes with its size.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'

export const TARGET = { name: '欧阳明月', alias: '月亮姐姐' }
/** The query every findFriend figure uses: the target's exact nickname. */
export const QUERY = TARGET.name

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤']
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛超霞平刚桂华建国志红波鹏辉玲宇浩凯健俊帆帅旭宁亮成飞林斌晨婷雪琳晶燕子文博天佳欣怡思雨']
const LATIN = ['Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry', 'Ivy', 'Jack', 'Kate', 'Leo', 'Mia', 'Noah', 'Olivia', 'Peter']
const REMARKS = ['同事', '同学', '客户', '邻居', '球友', '老乡', 'HR', '房东']

export interface FixtureContact {
  id: string
  name: string
  alias?: string
}

export function addressBook(size: number): { self: { name: string }; loginDelayMs: number; contacts: FixtureContact[]; rooms: Array<{ topic: string; members: string[] }> } {
  const contacts: FixtureContact[] = []
  const middle = Math.floor(size / 2)
  for (let i = 0; i < size; i++) {
    if (i === middle) {
      contacts.push({ id: 'wxid_bench_target', ...TARGET })
      continue
    }
    // Mixed radix over the name lists: deterministic, varied, repeats only at large sizes (as real names do).
    const s = SURNAMES[i % SURNAMES.length]
    const g1 = GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]
    const g2 = GIVEN[Math.floor(i / 7) % GIVEN.length]
    const name = i % 9 === 0 ? `${LATIN[i % LATIN.length]} ${s}${g1}` : i % 2 ? `${s}${g1}${g2}` : `${s}${g1}`
    const alias = i % 3 === 0 ? `${s}${g1}${REMARKS[i % REMARKS.length]}` : undefined
    contacts.push({ id: `wxid_bench_${i}`, name, ...(alias ? { alias } : {}) })
  }
  const rooms = Array.from({ length: Math.min(20, Math.max(1, Math.floor(size / 250))) }, (_, r) => ({
    topic: `群${r + 1} ${SURNAMES[r % SURNAMES.length]}家`,
    members: contacts.slice(r * 10, r * 10 + 10).filter((c) => c.id !== 'wxid_bench_target').map((c) => c.id),
  }))
  return { self: { name: '我' }, loginDelayMs: 0, contacts, rooms }
}

export function writeAddressBook(dir: string, size: number): string {
  const file = path.join(dir, `address-book-${size}.json`)
  writeFileSync(file, JSON.stringify(addressBook(size)))
  return file
}
