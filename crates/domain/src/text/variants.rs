//! The table of old (旧字体) and variant (異体字) kanji, each folded to the common form
//! used in today's names and addresses.
//!
//! Every pair is a public fact about the characters; the table was written for onshi
//! from the lists named below and copies no other project's data file. In particular
//! it does not use the MJ縮退マップ or MJ文字情報一覧表 (CC BY-SA 2.1 JP, whose
//! share-alike would reach a derived table) nor the tables of address normalisers.
//!
//! - [`Source::Joyo`]: the 旧字体 printed in parentheses in the 常用漢字表 (内閣告示
//!   第2号, 2010), folded to the 常用 form: 國 → 国, 澤 → 沢, 齋 → 斎, 齊 → 斉, 龍 → 竜,
//!   and the four characters whose 常用 form is outside JIS X 0208 (𠮟 剝 頰 塡), folded to
//!   the JIS X 0208 form the 表 allows (叱 剥 頬 填). A government notice: not subject to
//!   copyright (著作権法 §13).
//! - [`Source::Jinmei`]: the pairs that 戸籍法施行規則 別表第二 (人名用漢字) lists as the
//!   same character (字種) in two forms, folded to the form listed first or, where
//!   both are listed apart, to the form in JIS X 0208 第1水準: 嶋 → 島, 峯 → 峰, 冨 → 富,
//!   槇 → 槙, 凜 → 凛, 遙 → 遥. A ministerial ordinance: not subject to copyright.
//! - [`Source::Jis`]: common 俗字 and 異体字 of names and place names that are separate
//!   code points in JIS X 0208/0213 and Unicode, folded to the form of the 常用 or 人名用
//!   list: 髙 → 高, 﨑/嵜/㟢 → 崎, 邉 → 辺, 濵 → 浜, 舘 → 館, 𠮷 → 吉. Chosen by hand from
//!   the facts of the character sets. 渕 → 淵: 淵 is the 人名用漢字 and 渕 its 俗字, so
//!   淵 is the form a registry can hold for a newborn; the direction only decides which
//!   of the two the folded string shows.
//!
//! Some pairs fold two characters that were distinct before the 1946–1949 reforms
//! (欠 and 缺, 芸 and 藝, 弁 and 辨 辯 瓣); in a name they are folded all the same, as
//! the linkage engine reports the fold and never treats it as exact.
//!
//! Old forms that Unicode encodes only as CJK compatibility ideographs (社 U+FA4C, 都
//! U+FA26, …) are not here: NFKC maps them to the unified character first. A test checks
//! that every old form here is stable under NFKC, so no entry is dead, and that no
//! common form is itself an old form, so one lookup is enough.

/// Where a pair comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Source {
    /// 常用漢字表 (2010), the 旧字体 in parentheses.
    Joyo,
    /// 人名用漢字 (戸籍法施行規則 別表第二), pairs of the same 字種.
    Jinmei,
    /// JIS X 0208/0213 俗字・異体字 common in names and places.
    Jis,
}

/// The common form of an old or variant kanji, if `c` is one.
#[inline]
pub(super) fn common_form(c: char) -> Option<char> {
    if c < '\u{3400}' {
        return None;
    }
    VARIANTS
        .binary_search_by_key(&c, |&(old, _, _)| old)
        .ok()
        .and_then(|index| VARIANTS.get(index))
        .map(|&(_, common, _)| common)
}

/// (old or variant form, common form, source), sorted by the first column.
pub(super) static VARIANTS: &[(char, char, Source)] = &[
    ('\u{37E2}', '\u{5D0E}', Source::Jis),    // 㟢 → 崎
    ('\u{4E58}', '\u{4E57}', Source::Joyo),   // 乘 → 乗
    ('\u{4E82}', '\u{4E71}', Source::Joyo),   // 亂 → 乱
    ('\u{4E99}', '\u{4E98}', Source::Jinmei), // 亙 → 亘
    ('\u{4E9E}', '\u{4E9C}', Source::Joyo),   // 亞 → 亜
    ('\u{4F5B}', '\u{4ECF}', Source::Joyo),   // 佛 → 仏
    ('\u{4F86}', '\u{6765}', Source::Joyo),   // 來 → 来
    ('\u{5002}', '\u{4F75}', Source::Joyo),   // 倂 → 併
    ('\u{5047}', '\u{4EEE}', Source::Joyo),   // 假 → 仮
    ('\u{50B3}', '\u{4F1D}', Source::Joyo),   // 傳 → 伝
    ('\u{50DE}', '\u{507D}', Source::Joyo),   // 僞 → 偽
    ('\u{50F9}', '\u{4FA1}', Source::Joyo),   // 價 → 価
    ('\u{5109}', '\u{5039}', Source::Joyo),   // 儉 → 倹
    ('\u{5152}', '\u{5150}', Source::Joyo),   // 兒 → 児
    ('\u{5169}', '\u{4E21}', Source::Joyo),   // 兩 → 両
    ('\u{51A8}', '\u{5BCC}', Source::Jinmei), // 冨 → 富
    ('\u{51C9}', '\u{6DBC}', Source::Jinmei), // 凉 → 涼
    ('\u{51DC}', '\u{51DB}', Source::Jinmei), // 凜 → 凛
    ('\u{525D}', '\u{5265}', Source::Joyo),   // 剝 → 剥
    ('\u{5269}', '\u{5270}', Source::Joyo),   // 剩 → 剰
    ('\u{528D}', '\u{5263}', Source::Joyo),   // 劍 → 剣
    ('\u{5291}', '\u{5264}', Source::Joyo),   // 劑 → 剤
    ('\u{52DE}', '\u{52B4}', Source::Joyo),   // 勞 → 労
    ('\u{52F3}', '\u{52F2}', Source::Joyo),   // 勳 → 勲
    ('\u{52F5}', '\u{52B1}', Source::Joyo),   // 勵 → 励
    ('\u{52F8}', '\u{52E7}', Source::Joyo),   // 勸 → 勧
    ('\u{5340}', '\u{533A}', Source::Joyo),   // 區 → 区
    ('\u{5377}', '\u{5DFB}', Source::Joyo),   // 卷 → 巻
    ('\u{537D}', '\u{5373}', Source::Joyo),   // 卽 → 即
    ('\u{53C3}', '\u{53C2}', Source::Joyo),   // 參 → 参
    ('\u{55AE}', '\u{5358}', Source::Joyo),   // 單 → 単
    ('\u{56B4}', '\u{53B3}', Source::Joyo),   // 嚴 → 厳
    ('\u{56D1}', '\u{5631}', Source::Joyo),   // 囑 → 嘱
    ('\u{5700}', '\u{56FD}', Source::Jis),    // 圀 → 国
    ('\u{5708}', '\u{570F}', Source::Joyo),   // 圈 → 圏
    ('\u{570B}', '\u{56FD}', Source::Joyo),   // 國 → 国
    ('\u{570D}', '\u{56F2}', Source::Joyo),   // 圍 → 囲
    ('\u{5713}', '\u{5186}', Source::Joyo),   // 圓 → 円
    ('\u{5716}', '\u{56F3}', Source::Joyo),   // 圖 → 図
    ('\u{5718}', '\u{56E3}', Source::Joyo),   // 團 → 団
    ('\u{57DC}', '\u{91CE}', Source::Jinmei), // 埜 → 野
    ('\u{582F}', '\u{5C2D}', Source::Jinmei), // 堯 → 尭
    ('\u{5861}', '\u{586B}', Source::Joyo),   // 塡 → 填
    ('\u{589E}', '\u{5897}', Source::Joyo),   // 增 → 増
    ('\u{58AE}', '\u{5815}', Source::Joyo),   // 墮 → 堕
    ('\u{58D3}', '\u{5727}', Source::Joyo),   // 壓 → 圧
    ('\u{58D8}', '\u{5841}', Source::Joyo),   // 壘 → 塁
    ('\u{58DE}', '\u{58CA}', Source::Joyo),   // 壞 → 壊
    ('\u{58E4}', '\u{58CC}', Source::Joyo),   // 壤 → 壌
    ('\u{58EF}', '\u{58EE}', Source::Joyo),   // 壯 → 壮
    ('\u{58F9}', '\u{58F1}', Source::Joyo),   // 壹 → 壱
    ('\u{58FD}', '\u{5BFF}', Source::Joyo),   // 壽 → 寿
    ('\u{5967}', '\u{5965}', Source::Joyo),   // 奧 → 奥
    ('\u{596C}', '\u{5968}', Source::Joyo),   // 奬 → 奨
    ('\u{5B43}', '\u{5B22}', Source::Joyo),   // 孃 → 嬢
    ('\u{5B78}', '\u{5B66}', Source::Joyo),   // 學 → 学
    ('\u{5BE2}', '\u{5BDD}', Source::Joyo),   // 寢 → 寝
    ('\u{5BE6}', '\u{5B9F}', Source::Joyo),   // 實 → 実
    ('\u{5BEB}', '\u{5199}', Source::Joyo),   // 寫 → 写
    ('\u{5BEC}', '\u{5BDB}', Source::Joyo),   // 寬 → 寛
    ('\u{5BF6}', '\u{5B9D}', Source::Joyo),   // 寶 → 宝
    ('\u{5C07}', '\u{5C06}', Source::Joyo),   // 將 → 将
    ('\u{5C08}', '\u{5C02}', Source::Joyo),   // 專 → 専
    ('\u{5C0D}', '\u{5BFE}', Source::Joyo),   // 對 → 対
    ('\u{5C46}', '\u{5C4A}', Source::Joyo),   // 屆 → 届
    ('\u{5C6C}', '\u{5C5E}', Source::Joyo),   // 屬 → 属
    ('\u{5CEF}', '\u{5CF0}', Source::Jinmei), // 峯 → 峰
    ('\u{5CFD}', '\u{5CE1}', Source::Joyo),   // 峽 → 峡
    ('\u{5D5C}', '\u{5D0E}', Source::Jis),    // 嵜 → 崎
    ('\u{5D8B}', '\u{5CF6}', Source::Jinmei), // 嶋 → 島
    ('\u{5D8C}', '\u{5CF6}', Source::Jis),    // 嶌 → 島
    ('\u{5DBD}', '\u{5CB3}', Source::Joyo),   // 嶽 → 岳
    ('\u{5DD6}', '\u{5DCC}', Source::Jinmei), // 巖 → 巌
    ('\u{5DE2}', '\u{5DE3}', Source::Joyo),   // 巢 → 巣
    ('\u{5E36}', '\u{5E2F}', Source::Joyo),   // 帶 → 帯
    ('\u{5EE2}', '\u{5EC3}', Source::Joyo),   // 廢 → 廃
    ('\u{5EE3}', '\u{5E83}', Source::Joyo),   // 廣 → 広
    ('\u{5EF3}', '\u{5E81}', Source::Joyo),   // 廳 → 庁
    ('\u{5F48}', '\u{5F3E}', Source::Joyo),   // 彈 → 弾
    ('\u{5F4C}', '\u{5F25}', Source::Joyo),   // 彌 → 弥
    ('\u{5F91}', '\u{5F84}', Source::Joyo),   // 徑 → 径
    ('\u{5F9E}', '\u{5F93}', Source::Joyo),   // 從 → 従
    ('\u{5FB5}', '\u{5FB4}', Source::Joyo),   // 徵 → 徴
    ('\u{5FB7}', '\u{5FB3}', Source::Joyo),   // 德 → 徳
    ('\u{6046}', '\u{6052}', Source::Joyo),   // 恆 → 恒
    ('\u{60E0}', '\u{6075}', Source::Joyo),   // 惠 → 恵
    ('\u{60E1}', '\u{60AA}', Source::Joyo),   // 惡 → 悪
    ('\u{60F1}', '\u{60A9}', Source::Joyo),   // 惱 → 悩
    ('\u{613C}', '\u{614E}', Source::Joyo),   // 愼 → 慎
    ('\u{6158}', '\u{60E8}', Source::Joyo),   // 慘 → 惨
    ('\u{61C9}', '\u{5FDC}', Source::Joyo),   // 應 → 応
    ('\u{61F7}', '\u{61D0}', Source::Joyo),   // 懷 → 懐
    ('\u{6200}', '\u{604B}', Source::Joyo),   // 戀 → 恋
    ('\u{6230}', '\u{6226}', Source::Joyo),   // 戰 → 戦
    ('\u{6232}', '\u{622F}', Source::Joyo),   // 戲 → 戯
    ('\u{623E}', '\u{623B}', Source::Joyo),   // 戾 → 戻
    ('\u{62C2}', '\u{6255}', Source::Joyo),   // 拂 → 払
    ('\u{62D4}', '\u{629C}', Source::Joyo),   // 拔 → 抜
    ('\u{62DC}', '\u{62DD}', Source::Joyo),   // 拜 → 拝
    ('\u{633E}', '\u{631F}', Source::Joyo),   // 挾 → 挟
    ('\u{63D2}', '\u{633F}', Source::Joyo),   // 插 → 挿
    ('\u{63ED}', '\u{63B2}', Source::Joyo),   // 揭 → 掲
    ('\u{6416}', '\u{63FA}', Source::Joyo),   // 搖 → 揺
    ('\u{641C}', '\u{635C}', Source::Joyo),   // 搜 → 捜
    ('\u{64C7}', '\u{629E}', Source::Joyo),   // 擇 → 択
    ('\u{64CA}', '\u{6483}', Source::Joyo),   // 擊 → 撃
    ('\u{64D4}', '\u{62C5}', Source::Joyo),   // 擔 → 担
    ('\u{64DA}', '\u{62E0}', Source::Joyo),   // 據 → 拠
    ('\u{64E7}', '\u{6319}', Source::Joyo),   // 擧 → 挙
    ('\u{64F4}', '\u{62E1}', Source::Joyo),   // 擴 → 拡
    ('\u{651D}', '\u{6442}', Source::Joyo),   // 攝 → 摂
    ('\u{6536}', '\u{53CE}', Source::Joyo),   // 收 → 収
    ('\u{6548}', '\u{52B9}', Source::Joyo),   // 效 → 効
    ('\u{654D}', '\u{53D9}', Source::Joyo),   // 敍 → 叙
    ('\u{6578}', '\u{6570}', Source::Joyo),   // 數 → 数
    ('\u{65B7}', '\u{65AD}', Source::Joyo),   // 斷 → 断
    ('\u{65E3}', '\u{65E2}', Source::Joyo),   // 旣 → 既
    ('\u{663B}', '\u{6602}', Source::Jis),    // 昻 → 昂
    ('\u{6644}', '\u{6643}', Source::Jinmei), // 晄 → 晃
    ('\u{665A}', '\u{6669}', Source::Joyo),   // 晚 → 晩
    ('\u{665D}', '\u{663C}', Source::Joyo),   // 晝 → 昼
    ('\u{66C6}', '\u{66A6}', Source::Joyo),   // 曆 → 暦
    ('\u{66C9}', '\u{6681}', Source::Joyo),   // 曉 → 暁
    ('\u{66FE}', '\u{66FD}', Source::Joyo),   // 曾 → 曽
    ('\u{6703}', '\u{4F1A}', Source::Joyo),   // 會 → 会
    ('\u{6801}', '\u{67F3}', Source::Jis),    // 栁 → 柳
    ('\u{6852}', '\u{6851}', Source::Jis),    // 桒 → 桑
    ('\u{689D}', '\u{6761}', Source::Joyo),   // 條 → 条
    ('\u{68E7}', '\u{685F}', Source::Joyo),   // 棧 → 桟
    ('\u{69AE}', '\u{6804}', Source::Joyo),   // 榮 → 栄
    ('\u{69C7}', '\u{69D9}', Source::Jinmei), // 槇 → 槙
    ('\u{69EA}', '\u{6982}', Source::Joyo),   // 槪 → 概
    ('\u{6A02}', '\u{697D}', Source::Joyo),   // 樂 → 楽
    ('\u{6A13}', '\u{697C}', Source::Joyo),   // 樓 → 楼
    ('\u{6A1E}', '\u{67A2}', Source::Joyo),   // 樞 → 枢
    ('\u{6A23}', '\u{69D8}', Source::Joyo),   // 樣 → 様
    ('\u{6A6B}', '\u{6A2A}', Source::Joyo),   // 橫 → 横
    ('\u{6A9C}', '\u{6867}', Source::Jinmei), // 檜 → 桧
    ('\u{6AA2}', '\u{691C}', Source::Joyo),   // 檢 → 検
    ('\u{6AFB}', '\u{685C}', Source::Joyo),   // 櫻 → 桜
    ('\u{6B0A}', '\u{6A29}', Source::Joyo),   // 權 → 権
    ('\u{6B50}', '\u{6B27}', Source::Joyo),   // 歐 → 欧
    ('\u{6B61}', '\u{6B53}', Source::Joyo),   // 歡 → 歓
    ('\u{6B65}', '\u{6B69}', Source::Joyo),   // 步 → 歩
    ('\u{6B77}', '\u{6B74}', Source::Joyo),   // 歷 → 歴
    ('\u{6B78}', '\u{5E30}', Source::Joyo),   // 歸 → 帰
    ('\u{6B98}', '\u{6B8B}', Source::Joyo),   // 殘 → 残
    ('\u{6BBC}', '\u{6BBB}', Source::Joyo),   // 殼 → 殻
    ('\u{6BC6}', '\u{6BB4}', Source::Joyo),   // 毆 → 殴
    ('\u{6BCF}', '\u{6BCE}', Source::Joyo),   // 每 → 毎
    ('\u{6C23}', '\u{6C17}', Source::Joyo),   // 氣 → 気
    ('\u{6D89}', '\u{6E09}', Source::Joyo),   // 涉 → 渉
    ('\u{6DDA}', '\u{6D99}', Source::Joyo),   // 淚 → 涙
    ('\u{6DE8}', '\u{6D44}', Source::Joyo),   // 淨 → 浄
    ('\u{6DFA}', '\u{6D45}', Source::Joyo),   // 淺 → 浅
    ('\u{6E15}', '\u{6DF5}', Source::Jis),    // 渕 → 淵
    ('\u{6E34}', '\u{6E07}', Source::Joyo),   // 渴 → 渇
    ('\u{6EAA}', '\u{6E13}', Source::Joyo),   // 溪 → 渓
    ('\u{6EAB}', '\u{6E29}', Source::Joyo),   // 溫 → 温
    ('\u{6EEF}', '\u{6EDE}', Source::Joyo),   // 滯 → 滞
    ('\u{6EFF}', '\u{6E80}', Source::Joyo),   // 滿 → 満
    ('\u{6F5B}', '\u{6F5C}', Source::Joyo),   // 潛 → 潜
    ('\u{6F81}', '\u{6E0B}', Source::Joyo),   // 澁 → 渋
    ('\u{6FA4}', '\u{6CA2}', Source::Joyo),   // 澤 → 沢
    ('\u{6FD5}', '\u{6E7F}', Source::Joyo),   // 濕 → 湿
    ('\u{6FDF}', '\u{6E08}', Source::Joyo),   // 濟 → 済
    ('\u{6FF1}', '\u{6D5C}', Source::Joyo),   // 濱 → 浜
    ('\u{6FF5}', '\u{6D5C}', Source::Jis),    // 濵 → 浜
    ('\u{7027}', '\u{6EDD}', Source::Joyo),   // 瀧 → 滝
    ('\u{7028}', '\u{702C}', Source::Joyo),   // 瀨 → 瀬
    ('\u{7063}', '\u{6E7E}', Source::Joyo),   // 灣 → 湾
    ('\u{7155}', '\u{7199}', Source::Jis),    // 煕 → 熙
    ('\u{71C8}', '\u{706F}', Source::Joyo),   // 燈 → 灯
    ('\u{71D2}', '\u{713C}', Source::Joyo),   // 燒 → 焼
    ('\u{71DF}', '\u{55B6}', Source::Joyo),   // 營 → 営
    ('\u{7210}', '\u{7089}', Source::Joyo),   // 爐 → 炉
    ('\u{722D}', '\u{4E89}', Source::Joyo),   // 爭 → 争
    ('\u{7232}', '\u{70BA}', Source::Joyo),   // 爲 → 為
    ('\u{72A7}', '\u{72A0}', Source::Joyo),   // 犧 → 犠
    ('\u{72C0}', '\u{72B6}', Source::Joyo),   // 狀 → 状
    ('\u{72F9}', '\u{72ED}', Source::Joyo),   // 狹 → 狭
    ('\u{7368}', '\u{72EC}', Source::Joyo),   // 獨 → 独
    ('\u{7375}', '\u{731F}', Source::Joyo),   // 獵 → 猟
    ('\u{7378}', '\u{7363}', Source::Joyo),   // 獸 → 獣
    ('\u{737B}', '\u{732E}', Source::Joyo),   // 獻 → 献
    ('\u{7464}', '\u{7476}', Source::Jinmei), // 瑤 → 瑶
    ('\u{74E3}', '\u{5F01}', Source::Joyo),   // 瓣 → 弁
    ('\u{7501}', '\u{74F6}', Source::Joyo),   // 甁 → 瓶
    ('\u{756B}', '\u{753B}', Source::Joyo),   // 畫 → 画
    ('\u{7576}', '\u{5F53}', Source::Joyo),   // 當 → 当
    ('\u{758A}', '\u{7573}', Source::Joyo),   // 疊 → 畳
    ('\u{7626}', '\u{75E9}', Source::Joyo),   // 瘦 → 痩
    ('\u{7661}', '\u{75F4}', Source::Joyo),   // 癡 → 痴
    ('\u{767C}', '\u{767A}', Source::Joyo),   // 發 → 発
    ('\u{768B}', '\u{7690}', Source::Jis),    // 皋 → 皐
    ('\u{76C3}', '\u{676F}', Source::Jinmei), // 盃 → 杯
    ('\u{76DC}', '\u{76D7}', Source::Joyo),   // 盜 → 盗
    ('\u{76E1}', '\u{5C3D}', Source::Joyo),   // 盡 → 尽
    ('\u{771E}', '\u{771F}', Source::Joyo),   // 眞 → 真
    ('\u{784F}', '\u{7814}', Source::Joyo),   // 硏 → 研
    ('\u{788E}', '\u{7815}', Source::Joyo),   // 碎 → 砕
    ('\u{7955}', '\u{79D8}', Source::Joyo),   // 祕 → 秘
    ('\u{797F}', '\u{7984}', Source::Jinmei), // 祿 → 禄
    ('\u{79AA}', '\u{7985}', Source::Joyo),   // 禪 → 禅
    ('\u{79AE}', '\u{793C}', Source::Joyo),   // 禮 → 礼
    ('\u{79B0}', '\u{7962}', Source::Jinmei), // 禰 → 祢
    ('\u{7A31}', '\u{79F0}', Source::Joyo),   // 稱 → 称
    ('\u{7A3B}', '\u{7A32}', Source::Joyo),   // 稻 → 稲
    ('\u{7A57}', '\u{7A42}', Source::Jinmei), // 穗 → 穂
    ('\u{7A69}', '\u{7A4F}', Source::Joyo),   // 穩 → 穏
    ('\u{7A70}', '\u{7A63}', Source::Jinmei), // 穰 → 穣
    ('\u{7ADD}', '\u{4E26}', Source::Joyo),   // 竝 → 並
    ('\u{7BED}', '\u{7C60}', Source::Jis),    // 篭 → 籠
    ('\u{7C54}', '\u{85AE}', Source::Jis),    // 籔 → 薮
    ('\u{7CB9}', '\u{7C8B}', Source::Joyo),   // 粹 → 粋
    ('\u{7D72}', '\u{7CF8}', Source::Joyo),   // 絲 → 糸
    ('\u{7D93}', '\u{7D4C}', Source::Joyo),   // 經 → 経
    ('\u{7DA0}', '\u{7DD1}', Source::Joyo),   // 綠 → 緑
    ('\u{7DD6}', '\u{7DD2}', Source::Joyo),   // 緖 → 緒
    ('\u{7DE3}', '\u{7E01}', Source::Joyo),   // 緣 → 縁
    ('\u{7E23}', '\u{770C}', Source::Joyo),   // 縣 → 県
    ('\u{7E31}', '\u{7E26}', Source::Joyo),   // 縱 → 縦
    ('\u{7E3D}', '\u{7DCF}', Source::Joyo),   // 總 → 総
    ('\u{7E69}', '\u{7E04}', Source::Joyo),   // 繩 → 縄
    ('\u{7E6A}', '\u{7D75}', Source::Joyo),   // 繪 → 絵
    ('\u{7E7C}', '\u{7D99}', Source::Joyo),   // 繼 → 継
    ('\u{7E8C}', '\u{7D9A}', Source::Joyo),   // 續 → 続
    ('\u{7E96}', '\u{7E4A}', Source::Joyo),   // 纖 → 繊
    ('\u{7F3A}', '\u{6B20}', Source::Joyo),   // 缺 → 欠
    ('\u{7F50}', '\u{7F36}', Source::Joyo),   // 罐 → 缶
    ('\u{8072}', '\u{58F0}', Source::Joyo),   // 聲 → 声
    ('\u{807D}', '\u{8074}', Source::Joyo),   // 聽 → 聴
    ('\u{8085}', '\u{7C9B}', Source::Joyo),   // 肅 → 粛
    ('\u{8166}', '\u{8133}', Source::Joyo),   // 腦 → 脳
    ('\u{81BD}', '\u{80C6}', Source::Joyo),   // 膽 → 胆
    ('\u{81DF}', '\u{81D3}', Source::Joyo),   // 臟 → 臓
    ('\u{81FA}', '\u{53F0}', Source::Joyo),   // 臺 → 台
    ('\u{8207}', '\u{4E0E}', Source::Joyo),   // 與 → 与
    ('\u{820A}', '\u{65E7}', Source::Joyo),   // 舊 → 旧
    ('\u{8218}', '\u{9928}', Source::Jis),    // 舘 → 館
    ('\u{8229}', '\u{8239}', Source::Jis),    // 舩 → 船
    ('\u{8277}', '\u{8276}', Source::Joyo),   // 艷 → 艶
    ('\u{838A}', '\u{8358}', Source::Joyo),   // 莊 → 荘
    ('\u{8396}', '\u{830E}', Source::Joyo),   // 莖 → 茎
    ('\u{840A}', '\u{83B1}', Source::Jinmei), // 萊 → 莱
    ('\u{8420}', '\u{840C}', Source::Jinmei), // 萠 → 萌
    ('\u{842C}', '\u{4E07}', Source::Joyo),   // 萬 → 万
    ('\u{8597}', '\u{5712}', Source::Jinmei), // 薗 → 園
    ('\u{85B0}', '\u{85AB}', Source::Joyo),   // 薰 → 薫
    ('\u{85CF}', '\u{8535}', Source::Joyo),   // 藏 → 蔵
    ('\u{85DD}', '\u{82B8}', Source::Joyo),   // 藝 → 芸
    ('\u{85E5}', '\u{85AC}', Source::Joyo),   // 藥 → 薬
    ('\u{85EA}', '\u{85AE}', Source::Jis),    // 藪 → 薮
    ('\u{8606}', '\u{82A6}', Source::Jis),    // 蘆 → 芦
    ('\u{8655}', '\u{51E6}', Source::Joyo),   // 處 → 処
    ('\u{865B}', '\u{865A}', Source::Joyo),   // 虛 → 虚
    ('\u{865F}', '\u{53F7}', Source::Joyo),   // 號 → 号
    ('\u{87A2}', '\u{86CD}', Source::Joyo),   // 螢 → 蛍
    ('\u{87F2}', '\u{866B}', Source::Joyo),   // 蟲 → 虫
    ('\u{8836}', '\u{8695}', Source::Joyo),   // 蠶 → 蚕
    ('\u{883B}', '\u{86EE}', Source::Joyo),   // 蠻 → 蛮
    ('\u{885E}', '\u{885B}', Source::Joyo),   // 衞 → 衛
    ('\u{88DD}', '\u{88C5}', Source::Joyo),   // 裝 → 装
    ('\u{8943}', '\u{8912}', Source::Joyo),   // 襃 → 褒
    ('\u{89BA}', '\u{899A}', Source::Joyo),   // 覺 → 覚
    ('\u{89BD}', '\u{89A7}', Source::Joyo),   // 覽 → 覧
    ('\u{89C0}', '\u{89B3}', Source::Joyo),   // 觀 → 観
    ('\u{89F8}', '\u{89E6}', Source::Joyo),   // 觸 → 触
    ('\u{8B20}', '\u{8B21}', Source::Joyo),   // 謠 → 謡
    ('\u{8B49}', '\u{8A3C}', Source::Joyo),   // 證 → 証
    ('\u{8B6F}', '\u{8A33}', Source::Joyo),   // 譯 → 訳
    ('\u{8B7D}', '\u{8A89}', Source::Joyo),   // 譽 → 誉
    ('\u{8B80}', '\u{8AAD}', Source::Joyo),   // 讀 → 読
    ('\u{8B8A}', '\u{5909}', Source::Joyo),   // 變 → 変
    ('\u{8B93}', '\u{8B72}', Source::Joyo),   // 讓 → 譲
    ('\u{8C50}', '\u{8C4A}', Source::Joyo),   // 豐 → 豊
    ('\u{8C6B}', '\u{4E88}', Source::Joyo),   // 豫 → 予
    ('\u{8CB3}', '\u{5F10}', Source::Joyo),   // 貳 → 弐
    ('\u{8CE3}', '\u{58F2}', Source::Joyo),   // 賣 → 売
    ('\u{8CF4}', '\u{983C}', Source::Joyo),   // 賴 → 頼
    ('\u{8D0A}', '\u{8CDB}', Source::Joyo),   // 贊 → 賛
    ('\u{8E10}', '\u{8DF5}', Source::Joyo),   // 踐 → 践
    ('\u{8EB0}', '\u{4F53}', Source::Jis),    // 躰 → 体
    ('\u{8F15}', '\u{8EFD}', Source::Joyo),   // 輕 → 軽
    ('\u{8F49}', '\u{8EE2}', Source::Joyo),   // 轉 → 転
    ('\u{8FA8}', '\u{5F01}', Source::Joyo),   // 辨 → 弁
    ('\u{8FAD}', '\u{8F9E}', Source::Joyo),   // 辭 → 辞
    ('\u{8FAF}', '\u{5F01}', Source::Joyo),   // 辯 → 弁
    ('\u{9059}', '\u{9065}', Source::Jinmei), // 遙 → 遥
    ('\u{9072}', '\u{9045}', Source::Joyo),   // 遲 → 遅
    ('\u{9089}', '\u{8FBA}', Source::Jis),    // 邉 → 辺
    ('\u{908A}', '\u{8FBA}', Source::Joyo),   // 邊 → 辺
    ('\u{90A8}', '\u{6751}', Source::Jis),    // 邨 → 村
    ('\u{90DE}', '\u{90CE}', Source::Joyo),   // 郞 → 郎
    ('\u{9115}', '\u{90F7}', Source::Joyo),   // 鄕 → 郷
    ('\u{9189}', '\u{9154}', Source::Joyo),   // 醉 → 酔
    ('\u{91AB}', '\u{533B}', Source::Joyo),   // 醫 → 医
    ('\u{91C0}', '\u{91B8}', Source::Joyo),   // 釀 → 醸
    ('\u{91CB}', '\u{91C8}', Source::Joyo),   // 釋 → 釈
    ('\u{9304}', '\u{9332}', Source::Joyo),   // 錄 → 録
    ('\u{9322}', '\u{92AD}', Source::Joyo),   // 錢 → 銭
    ('\u{934A}', '\u{932C}', Source::Joyo),   // 鍊 → 錬
    ('\u{93AD}', '\u{93AE}', Source::Joyo),   // 鎭 → 鎮
    ('\u{9444}', '\u{92F3}', Source::Joyo),   // 鑄 → 鋳
    ('\u{945B}', '\u{9271}', Source::Joyo),   // 鑛 → 鉱
    ('\u{95DC}', '\u{95A2}', Source::Joyo),   // 關 → 関
    ('\u{9677}', '\u{9665}', Source::Joyo),   // 陷 → 陥
    ('\u{969D}', '\u{5CF6}', Source::Jis),    // 隝 → 島
    ('\u{96A8}', '\u{968F}', Source::Joyo),   // 隨 → 随
    ('\u{96AA}', '\u{967A}', Source::Joyo),   // 險 → 険
    ('\u{96B1}', '\u{96A0}', Source::Joyo),   // 隱 → 隠
    ('\u{96D9}', '\u{53CC}', Source::Joyo),   // 雙 → 双
    ('\u{96DC}', '\u{96D1}', Source::Joyo),   // 雜 → 雑
    ('\u{9738}', '\u{8987}', Source::Joyo),   // 霸 → 覇
    ('\u{9748}', '\u{970A}', Source::Joyo),   // 靈 → 霊
    ('\u{974D}', '\u{9DB4}', Source::Jis),    // 靍 → 鶴
    ('\u{974F}', '\u{9DB4}', Source::Jis),    // 靏 → 鶴
    ('\u{975C}', '\u{9759}', Source::Joyo),   // 靜 → 静
    ('\u{9830}', '\u{982C}', Source::Joyo),   // 頰 → 頬
    ('\u{9834}', '\u{7A4E}', Source::Jis),    // 頴 → 穎
    ('\u{986F}', '\u{9855}', Source::Joyo),   // 顯 → 顕
    ('\u{98DC}', '\u{7FFB}', Source::Joyo),   // 飜 → 翻
    ('\u{9918}', '\u{4F59}', Source::Joyo),   // 餘 → 余
    ('\u{9920}', '\u{9905}', Source::Joyo),   // 餠 → 餅
    ('\u{99C8}', '\u{99C6}', Source::Jinmei), // 駈 → 駆
    ('\u{9A37}', '\u{9A12}', Source::Joyo),   // 騷 → 騒
    ('\u{9A45}', '\u{99C6}', Source::Joyo),   // 驅 → 駆
    ('\u{9A57}', '\u{9A13}', Source::Joyo),   // 驗 → 験
    ('\u{9A5B}', '\u{99C5}', Source::Joyo),   // 驛 → 駅
    ('\u{9AD3}', '\u{9AC4}', Source::Joyo),   // 髓 → 髄
    ('\u{9AD4}', '\u{4F53}', Source::Joyo),   // 體 → 体
    ('\u{9AD9}', '\u{9AD8}', Source::Jis),    // 髙 → 高
    ('\u{9AEE}', '\u{9AEA}', Source::Joyo),   // 髮 → 髪
    ('\u{9B2D}', '\u{95D8}', Source::Joyo),   // 鬭 → 闘
    ('\u{9DC4}', '\u{9D8F}', Source::Joyo),   // 鷄 → 鶏
    ('\u{9DD7}', '\u{9D0E}', Source::Jis),    // 鷗 → 鴎
    ('\u{9E7D}', '\u{5869}', Source::Joyo),   // 鹽 → 塩
    ('\u{9EA5}', '\u{9EA6}', Source::Joyo),   // 麥 → 麦
    ('\u{9EB5}', '\u{9EBA}', Source::Joyo),   // 麵 → 麺
    ('\u{9EC3}', '\u{9EC4}', Source::Joyo),   // 黃 → 黄
    ('\u{9ED1}', '\u{9ED2}', Source::Joyo),   // 黑 → 黒
    ('\u{9ED8}', '\u{9ED9}', Source::Joyo),   // 默 → 黙
    ('\u{9EE8}', '\u{515A}', Source::Joyo),   // 黨 → 党
    ('\u{9F4A}', '\u{6589}', Source::Joyo),   // 齊 → 斉
    ('\u{9F4B}', '\u{658E}', Source::Joyo),   // 齋 → 斎
    ('\u{9F52}', '\u{6B6F}', Source::Joyo),   // 齒 → 歯
    ('\u{9F61}', '\u{9F62}', Source::Joyo),   // 齡 → 齢
    ('\u{9F8D}', '\u{7ADC}', Source::Joyo),   // 龍 → 竜
    ('\u{9F9C}', '\u{4E80}', Source::Joyo),   // 龜 → 亀
    ('\u{FA11}', '\u{5D0E}', Source::Jis),    // 﨑 → 崎
    ('\u{20B9F}', '\u{53F1}', Source::Joyo),  // 𠮟 → 叱
    ('\u{20BB7}', '\u{5409}', Source::Jis),   // 𠮷 → 吉
];
