//! Surnames and given names with their readings, weighted roughly by how
//! common they are, and the old-form (旧字体・異体字) spellings a registry keeps
//! where insurers usually write the common form.
//!
//! The tables are written for this crate from general knowledge of Japanese
//! names; the weights are rough orders of magnitude (thousands of bearers for
//! surnames, a gentle rank decay for given names), not statistics. Readings are
//! what the name is most commonly read as; a few spellings appear twice with two
//! readings (渡部 ワタナベ/ワタベ, 菅野 カンノ/スガノ, 翔 ショウ/カケル) because real
//! registries hold both.

use std::collections::BTreeMap;

use onshi_domain::person::Sex;
use rand::Rng;

use crate::pick::Cumulative;

/// (spelling, reading, weight in thousands of bearers)
const SURNAMES: &[(&str, &str, u32)] = &[
    ("佐藤", "サトウ", 1880),
    ("鈴木", "スズキ", 1790),
    ("高橋", "タカハシ", 1410),
    ("田中", "タナカ", 1330),
    ("伊藤", "イトウ", 1080),
    ("渡辺", "ワタナベ", 1070),
    ("山本", "ヤマモト", 1070),
    ("中村", "ナカムラ", 1050),
    ("小林", "コバヤシ", 1020),
    ("加藤", "カトウ", 890),
    ("吉田", "ヨシダ", 840),
    ("山田", "ヤマダ", 810),
    ("佐々木", "ササキ", 680),
    ("山口", "ヤマグチ", 640),
    ("松本", "マツモト", 630),
    ("井上", "イノウエ", 610),
    ("木村", "キムラ", 570),
    ("林", "ハヤシ", 530),
    ("斎藤", "サイトウ", 420),
    ("清水", "シミズ", 520),
    ("山崎", "ヤマザキ", 480),
    ("森", "モリ", 470),
    ("池田", "イケダ", 440),
    ("橋本", "ハシモト", 440),
    ("阿部", "アベ", 440),
    ("石川", "イシカワ", 430),
    ("山下", "ヤマシタ", 420),
    ("中島", "ナカジマ", 410),
    ("石井", "イシイ", 410),
    ("小川", "オガワ", 400),
    ("前田", "マエダ", 390),
    ("岡田", "オカダ", 390),
    ("長谷川", "ハセガワ", 380),
    ("藤田", "フジタ", 380),
    ("後藤", "ゴトウ", 370),
    ("近藤", "コンドウ", 370),
    ("村上", "ムラカミ", 360),
    ("遠藤", "エンドウ", 340),
    ("青木", "アオキ", 340),
    ("坂本", "サカモト", 340),
    ("斉藤", "サイトウ", 330),
    ("福田", "フクダ", 330),
    ("太田", "オオタ", 330),
    ("西村", "ニシムラ", 320),
    ("藤井", "フジイ", 320),
    ("金子", "カネコ", 310),
    ("岡本", "オカモト", 310),
    ("藤原", "フジワラ", 310),
    ("中野", "ナカノ", 310),
    ("三浦", "ミウラ", 300),
    ("原田", "ハラダ", 300),
    ("中川", "ナカガワ", 300),
    ("松田", "マツダ", 300),
    ("竹内", "タケウチ", 290),
    ("小野", "オノ", 290),
    ("田村", "タムラ", 290),
    ("中山", "ナカヤマ", 280),
    ("和田", "ワダ", 280),
    ("石田", "イシダ", 280),
    ("森田", "モリタ", 270),
    ("上田", "ウエダ", 270),
    ("原", "ハラ", 270),
    ("内田", "ウチダ", 270),
    ("柴田", "シバタ", 260),
    ("酒井", "サカイ", 260),
    ("宮崎", "ミヤザキ", 260),
    ("横山", "ヨコヤマ", 260),
    ("高木", "タカギ", 250),
    ("安藤", "アンドウ", 250),
    ("宮本", "ミヤモト", 250),
    ("大野", "オオノ", 250),
    ("小島", "コジマ", 240),
    ("谷口", "タニグチ", 240),
    ("今井", "イマイ", 240),
    ("工藤", "クドウ", 240),
    ("高田", "タカダ", 240),
    ("増田", "マスダ", 230),
    ("丸山", "マルヤマ", 230),
    ("杉山", "スギヤマ", 230),
    ("村田", "ムラタ", 230),
    ("大塚", "オオツカ", 230),
    ("小山", "コヤマ", 220),
    ("藤本", "フジモト", 220),
    ("平野", "ヒラノ", 220),
    ("新井", "アライ", 220),
    ("河野", "コウノ", 220),
    ("上野", "ウエノ", 210),
    ("野口", "ノグチ", 210),
    ("武田", "タケダ", 210),
    ("松井", "マツイ", 210),
    ("千葉", "チバ", 210),
    ("岩崎", "イワサキ", 210),
    ("菅原", "スガワラ", 210),
    ("木下", "キノシタ", 210),
    ("久保", "クボ", 200),
    ("佐野", "サノ", 200),
    ("野村", "ノムラ", 200),
    ("松尾", "マツオ", 200),
    ("市川", "イチカワ", 200),
    ("菊地", "キクチ", 200),
    ("杉本", "スギモト", 200),
    ("古川", "フルカワ", 190),
    ("大西", "オオニシ", 190),
    ("島田", "シマダ", 190),
    ("水野", "ミズノ", 190),
    ("桜井", "サクライ", 190),
    ("高野", "タカノ", 190),
    ("渡部", "ワタナベ", 100),
    ("渡部", "ワタベ", 80),
    ("吉川", "ヨシカワ", 180),
    ("山内", "ヤマウチ", 180),
    ("西田", "ニシダ", 180),
    ("飯田", "イイダ", 180),
    ("菊池", "キクチ", 180),
    ("西川", "ニシカワ", 180),
    ("小松", "コマツ", 170),
    ("北村", "キタムラ", 170),
    ("安田", "ヤスダ", 170),
    ("五十嵐", "イガラシ", 170),
    ("川口", "カワグチ", 170),
    ("平田", "ヒラタ", 170),
    ("関", "セキ", 170),
    ("中田", "ナカタ", 170),
    ("久保田", "クボタ", 170),
    ("服部", "ハットリ", 170),
    ("東", "ヒガシ", 100),
    ("東", "アズマ", 60),
    ("岩田", "イワタ", 160),
    ("土屋", "ツチヤ", 160),
    ("川村", "カワムラ", 160),
    ("福島", "フクシマ", 160),
    ("本田", "ホンダ", 160),
    ("辻", "ツジ", 160),
    ("樋口", "ヒグチ", 150),
    ("秋山", "アキヤマ", 150),
    ("田口", "タグチ", 150),
    ("永井", "ナガイ", 150),
    ("山中", "ヤマナカ", 150),
    ("中西", "ナカニシ", 150),
    ("吉村", "ヨシムラ", 150),
    ("川上", "カワカミ", 150),
    ("大橋", "オオハシ", 150),
    ("石原", "イシハラ", 150),
    ("松岡", "マツオカ", 150),
    ("浅野", "アサノ", 150),
    ("馬場", "ババ", 150),
    ("荒木", "アラキ", 150),
    ("大久保", "オオクボ", 150),
    ("野田", "ノダ", 140),
    ("小沢", "オザワ", 140),
    ("田辺", "タナベ", 140),
    ("川崎", "カワサキ", 140),
    ("松下", "マツシタ", 140),
    ("星野", "ホシノ", 140),
    ("大島", "オオシマ", 140),
    ("内藤", "ナイトウ", 140),
    ("桑原", "クワバラ", 130),
    ("黒田", "クロダ", 130),
    ("堀", "ホリ", 130),
    ("尾崎", "オザキ", 130),
    ("望月", "モチヅキ", 130),
    ("永田", "ナガタ", 130),
    ("熊谷", "クマガイ", 130),
    ("松浦", "マツウラ", 130),
    ("大川", "オオカワ", 130),
    ("荒井", "アライ", 130),
    ("小池", "コイケ", 130),
    ("浜田", "ハマダ", 130),
    ("栗原", "クリハラ", 130),
    ("川島", "カワシマ", 120),
    ("片山", "カタヤマ", 120),
    ("高山", "タカヤマ", 120),
    ("河合", "カワイ", 120),
    ("早川", "ハヤカワ", 120),
    ("岩本", "イワモト", 120),
    ("伊東", "イトウ", 120),
    ("西山", "ニシヤマ", 120),
    ("広瀬", "ヒロセ", 120),
    ("沢田", "サワダ", 110),
    ("小西", "コニシ", 110),
    ("植田", "ウエダ", 110),
    ("矢野", "ヤノ", 110),
    ("吉岡", "ヨシオカ", 110),
    ("森本", "モリモト", 110),
    ("中沢", "ナカザワ", 110),
    ("小田", "オダ", 110),
    ("大谷", "オオタニ", 110),
    ("宮田", "ミヤタ", 110),
    ("大竹", "オオタケ", 100),
    ("小泉", "コイズミ", 100),
    ("藤川", "フジカワ", 100),
    ("篠原", "シノハラ", 100),
    ("萩原", "ハギワラ", 100),
    ("今村", "イマムラ", 100),
    ("長田", "ナガタ", 100),
    ("平井", "ヒライ", 100),
    ("横田", "ヨコタ", 100),
    ("白石", "シライシ", 100),
    ("須藤", "スドウ", 100),
    ("大森", "オオモリ", 100),
    ("宇野", "ウノ", 90),
    ("中尾", "ナカオ", 90),
    ("岡崎", "オカザキ", 90),
    ("長尾", "ナガオ", 90),
    ("松村", "マツムラ", 90),
    ("細川", "ホソカワ", 90),
    ("榎本", "エノモト", 90),
    ("水谷", "ミズタニ", 90),
    ("坂口", "サカグチ", 90),
    ("本間", "ホンマ", 90),
    ("飯塚", "イイヅカ", 90),
    ("村井", "ムライ", 90),
    ("中井", "ナカイ", 90),
    ("関口", "セキグチ", 90),
    ("松原", "マツバラ", 90),
    ("広田", "ヒロタ", 80),
    ("高島", "タカシマ", 80),
    ("西尾", "ニシオ", 80),
    ("堀内", "ホリウチ", 80),
    ("稲垣", "イナガキ", 80),
    ("成田", "ナリタ", 80),
    ("大山", "オオヤマ", 80),
    ("谷", "タニ", 80),
    ("白井", "シライ", 80),
    ("上原", "ウエハラ", 80),
    ("岡", "オカ", 80),
    ("今野", "コンノ", 80),
    ("吉野", "ヨシノ", 80),
    ("北川", "キタガワ", 80),
    ("平山", "ヒラヤマ", 80),
    ("片岡", "カタオカ", 80),
    ("菅野", "カンノ", 50),
    ("菅野", "スガノ", 30),
    ("宮下", "ミヤシタ", 80),
    ("奥村", "オクムラ", 80),
    ("安達", "アダチ", 80),
    ("足立", "アダチ", 70),
    ("三宅", "ミヤケ", 70),
    ("佐久間", "サクマ", 70),
    ("宮川", "ミヤガワ", 70),
    ("西野", "ニシノ", 70),
    ("富田", "トミタ", 70),
    ("杉浦", "スギウラ", 70),
    ("奥田", "オクダ", 70),
    ("浜口", "ハマグチ", 50),
    ("野崎", "ノザキ", 60),
    ("長野", "ナガノ", 60),
    ("金井", "カナイ", 60),
    ("中谷", "ナカタニ", 60),
    ("大沢", "オオサワ", 60),
    ("藤村", "フジムラ", 60),
    ("松山", "マツヤマ", 60),
    ("川田", "カワタ", 60),
    ("土井", "ドイ", 60),
    ("岸", "キシ", 60),
    ("森下", "モリシタ", 60),
    ("福井", "フクイ", 60),
    ("西", "ニシ", 60),
    ("三上", "ミカミ", 60),
    ("松永", "マツナガ", 60),
    ("岡村", "オカムラ", 60),
    ("坂田", "サカタ", 60),
    ("竹田", "タケダ", 60),
    ("寺田", "テラダ", 60),
    ("小倉", "オグラ", 60),
    ("大石", "オオイシ", 60),
    ("青山", "アオヤマ", 60),
    ("根本", "ネモト", 60),
    ("関根", "セキネ", 60),
    ("小野寺", "オノデラ", 60),
    ("鎌田", "カマタ", 60),
    ("落合", "オチアイ", 60),
    ("長沢", "ナガサワ", 50),
    ("宮内", "ミヤウチ", 50),
    ("神田", "カンダ", 50),
    ("三好", "ミヨシ", 50),
    ("石塚", "イシヅカ", 50),
    ("村松", "ムラマツ", 50),
    ("金田", "カネダ", 50),
    ("大木", "オオキ", 50),
    ("戸田", "トダ", 50),
    ("堀田", "ホッタ", 50),
    ("長島", "ナガシマ", 50),
    ("福本", "フクモト", 50),
    ("西本", "ニシモト", 50),
    ("岩井", "イワイ", 50),
    ("中本", "ナカモト", 50),
    ("町田", "マチダ", 50),
    ("南", "ミナミ", 50),
    ("森山", "モリヤマ", 50),
    ("飯島", "イイジマ", 50),
    ("田島", "タジマ", 50),
    ("松崎", "マツザキ", 50),
    ("黒川", "クロカワ", 50),
    ("若林", "ワカバヤシ", 50),
    ("浅井", "アサイ", 50),
    ("内山", "ウチヤマ", 50),
    ("八木", "ヤギ", 50),
    ("柳田", "ヤナギダ", 50),
    ("高井", "タカイ", 50),
    ("山岸", "ヤマギシ", 50),
    ("堤", "ツツミ", 50),
    ("北野", "キタノ", 40),
    ("吉永", "ヨシナガ", 40),
    ("米田", "ヨネダ", 40),
    ("柏木", "カシワギ", 40),
    ("秋元", "アキモト", 40),
    ("高松", "タカマツ", 40),
    ("相馬", "ソウマ", 40),
    ("沼田", "ヌマタ", 40),
    ("岩瀬", "イワセ", 40),
    ("宮原", "ミヤハラ", 40),
    ("安部", "アベ", 40),
    ("宮城", "ミヤギ", 40),
    ("梅田", "ウメダ", 40),
    ("野中", "ノナカ", 40),
    ("江口", "エグチ", 40),
    ("三木", "ミキ", 40),
    ("西岡", "ニシオカ", 40),
    ("原口", "ハラグチ", 40),
    ("星", "ホシ", 40),
    ("柳沢", "ヤナギサワ", 40),
    ("滝沢", "タキザワ", 40),
    ("新田", "ニッタ", 40),
    ("川端", "カワバタ", 40),
    ("宮沢", "ミヤザワ", 40),
    ("須田", "スダ", 40),
    ("松島", "マツシマ", 40),
    ("杉田", "スギタ", 40),
    ("奥山", "オクヤマ", 40),
    ("石黒", "イシグロ", 40),
    ("大田", "オオタ", 30),
    ("国分", "コクブン", 30),
    ("阿久津", "アクツ", 30),
    ("島", "シマ", 30),
    ("清田", "キヨタ", 30),
    ("水上", "ミズカミ", 30),
    ("日野", "ヒノ", 30),
    ("高村", "タカムラ", 30),
    ("鶴田", "ツルタ", 30),
    ("小森", "コモリ", 30),
    ("寺島", "テラシマ", 30),
    ("高瀬", "タカセ", 30),
    ("堀川", "ホリカワ", 30),
    ("一ノ瀬", "イチノセ", 20),
    ("芦田", "アシダ", 20),
    ("久野", "クノ", 20),
    ("桑田", "クワタ", 40),
];

/// (common form, old form): the registry may hold the old form (旧字体 or
/// 異体字) while insurers and most software write the common one.
/// 𠮷 (U+20BB7, つちよし) is outside the BMP on purpose: it trips code that
/// counts UTF-16 units.
const OLD_FORMS: &[(&str, &str)] = &[
    ("高橋", "髙橋"),
    ("高木", "髙木"),
    ("高田", "髙田"),
    ("高野", "髙野"),
    ("渡辺", "渡邉"),
    ("渡辺", "渡邊"),
    ("斎藤", "齋藤"),
    ("斉藤", "齊藤"),
    ("沢田", "澤田"),
    ("浜田", "濱田"),
    ("浜口", "濱口"),
    ("山崎", "山﨑"),
    ("宮崎", "宮﨑"),
    ("岩崎", "岩﨑"),
    ("川崎", "川﨑"),
    ("尾崎", "尾﨑"),
    ("広田", "廣田"),
    ("広瀬", "廣瀬"),
    ("桜井", "櫻井"),
    ("小沢", "小澤"),
    ("中沢", "中澤"),
    ("大沢", "大澤"),
    ("長沢", "長澤"),
    ("宮沢", "宮澤"),
    ("滝沢", "瀧澤"),
    ("柳沢", "柳澤"),
    ("吉田", "𠮷田"),
    ("国分", "國分"),
    ("島田", "嶋田"),
    ("吉野", "𠮷野"),
];

/// Birth-year eras for given names: names follow fashion.
const ERA_STARTS: [i32; 5] = [0, 1946, 1976, 1996, 2011];

/// Male given names by era (spelling, reading).
const MALE: [&[(&str, &str)]; 5] = [
    &[
        ("清", "キヨシ"),
        ("勇", "イサム"),
        ("博", "ヒロシ"),
        ("実", "ミノル"),
        ("茂", "シゲル"),
        ("進", "ススム"),
        ("正", "タダシ"),
        ("弘", "ヒロシ"),
        ("武", "タケシ"),
        ("明", "アキラ"),
        ("稔", "ミノル"),
        ("勝", "マサル"),
        ("三郎", "サブロウ"),
        ("正雄", "マサオ"),
        ("一郎", "イチロウ"),
        ("次郎", "ジロウ"),
        ("昭", "アキラ"),
        ("修", "オサム"),
        ("勲", "イサオ"),
        ("豊", "ユタカ"),
        ("和夫", "カズオ"),
        ("武雄", "タケオ"),
        ("忠", "タダシ"),
        ("健一", "ケンイチ"),
        ("義雄", "ヨシオ"),
        ("正夫", "マサオ"),
        ("昭二", "ショウジ"),
        ("秀夫", "ヒデオ"),
        ("幸雄", "ユキオ"),
        ("光男", "ミツオ"),
        ("正一", "ショウイチ"),
        ("敏夫", "トシオ"),
        ("孝", "タカシ"),
        ("久", "ヒサシ"),
        ("四郎", "シロウ"),
        ("貞夫", "サダオ"),
        ("正義", "マサヨシ"),
        ("静夫", "シズオ"),
        ("辰夫", "タツオ"),
        ("栄一", "エイイチ"),
    ],
    &[
        ("誠", "マコト"),
        ("浩", "ヒロシ"),
        ("隆", "タカシ"),
        ("修", "オサム"),
        ("健", "ケン"),
        ("茂", "シゲル"),
        ("博", "ヒロシ"),
        ("明", "アキラ"),
        ("和彦", "カズヒコ"),
        ("隆之", "タカユキ"),
        ("哲也", "テツヤ"),
        ("浩二", "コウジ"),
        ("秀樹", "ヒデキ"),
        ("勝", "マサル"),
        ("学", "マナブ"),
        ("聡", "サトシ"),
        ("稔", "ミノル"),
        ("直樹", "ナオキ"),
        ("剛", "ツヨシ"),
        ("健二", "ケンジ"),
        ("正樹", "マサキ"),
        ("達也", "タツヤ"),
        ("智", "サトシ"),
        ("和也", "カズヤ"),
        ("幸一", "コウイチ"),
        ("博之", "ヒロユキ"),
        ("伸一", "シンイチ"),
        ("裕之", "ヒロユキ"),
        ("純一", "ジュンイチ"),
        ("英樹", "ヒデキ"),
        ("淳", "ジュン"),
        ("豊", "ユタカ"),
        ("昭", "アキラ"),
        ("徹", "トオル"),
        ("康弘", "ヤスヒロ"),
        ("健一", "ケンイチ"),
        ("賢一", "ケンイチ"),
        ("雅之", "マサユキ"),
        ("信之", "ノブユキ"),
        ("克也", "カツヤ"),
        ("弘", "ヒロシ"),
        ("亨", "トオル"),
    ],
    &[
        ("大輔", "ダイスケ"),
        ("拓也", "タクヤ"),
        ("直人", "ナオト"),
        ("翔太", "ショウタ"),
        ("健太", "ケンタ"),
        ("達也", "タツヤ"),
        ("亮", "リョウ"),
        ("和也", "カズヤ"),
        ("大介", "ダイスケ"),
        ("誠", "マコト"),
        ("雄太", "ユウタ"),
        ("慎也", "シンヤ"),
        ("剛", "ツヨシ"),
        ("学", "マナブ"),
        ("修平", "シュウヘイ"),
        ("翔", "ショウ"),
        ("拓海", "タクミ"),
        ("大樹", "ダイキ"),
        ("健", "ケン"),
        ("陽介", "ヨウスケ"),
        ("洋平", "ヨウヘイ"),
        ("竜也", "タツヤ"),
        ("裕太", "ユウタ"),
        ("祐介", "ユウスケ"),
        ("直樹", "ナオキ"),
        ("亮太", "リョウタ"),
        ("智也", "トモヤ"),
        ("貴之", "タカユキ"),
        ("隆", "タカシ"),
        ("俊介", "シュンスケ"),
        ("光", "ヒカル"),
        ("圭", "ケイ"),
        ("浩平", "コウヘイ"),
        ("崇", "タカシ"),
        ("卓也", "タクヤ"),
        ("将太", "ショウタ"),
        ("悠", "ユウ"),
        ("一輝", "カズキ"),
        ("啓太", "ケイタ"),
        ("聡", "サトシ"),
    ],
    &[
        ("翔太", "ショウタ"),
        ("拓海", "タクミ"),
        ("大輝", "ダイキ"),
        ("蓮", "レン"),
        ("颯太", "ソウタ"),
        ("翔", "ショウ"),
        ("陸", "リク"),
        ("海斗", "カイト"),
        ("優斗", "ユウト"),
        ("大翔", "ヒロト"),
        ("悠斗", "ユウト"),
        ("健太", "ケンタ"),
        ("翼", "ツバサ"),
        ("駿", "シュン"),
        ("涼", "リョウ"),
        ("拓真", "タクマ"),
        ("竜也", "タツヤ"),
        ("大和", "ヤマト"),
        ("一輝", "カズキ"),
        ("陽斗", "ハルト"),
        ("悠人", "ユウト"),
        ("直樹", "ナオキ"),
        ("和真", "カズマ"),
        ("雄大", "ユウダイ"),
        ("勇気", "ユウキ"),
        ("優太", "ユウタ"),
        ("光", "ヒカル"),
        ("航", "ワタル"),
        ("隼人", "ハヤト"),
        ("亮介", "リョウスケ"),
        ("樹", "イツキ"),
        ("瑛太", "エイタ"),
        ("康平", "コウヘイ"),
        ("大地", "ダイチ"),
        ("悠", "ユウ"),
        ("颯", "ハヤテ"),
    ],
    &[
        ("蓮", "レン"),
        ("陽翔", "ハルト"),
        ("湊", "ミナト"),
        ("蒼", "アオイ"),
        ("樹", "イツキ"),
        ("悠真", "ユウマ"),
        ("大翔", "ヒロト"),
        ("陽向", "ヒナタ"),
        ("朝陽", "アサヒ"),
        ("律", "リツ"),
        ("新", "アラタ"),
        ("暖", "ダン"),
        ("碧", "アオイ"),
        ("颯真", "ソウマ"),
        ("蒼空", "ソラ"),
        ("悠人", "ユウト"),
        ("湊斗", "ミナト"),
        ("陽太", "ヒナタ"),
        ("結翔", "ユイト"),
        ("大和", "ヤマト"),
        ("奏太", "ソウタ"),
        ("陸", "リク"),
        ("翔", "カケル"),
        ("伊織", "イオリ"),
        ("凪", "ナギ"),
        ("陽斗", "ハルト"),
        ("晴", "ハル"),
        ("律希", "リツキ"),
        ("蒼真", "ソウマ"),
        ("柊", "シュウ"),
        ("悠斗", "ユウト"),
        ("瑛太", "エイタ"),
        ("颯", "ハヤテ"),
        ("匠", "タクミ"),
        ("岳", "ガク"),
        ("健太", "ケンタ"),
    ],
];

/// Female given names by era (spelling, reading).
const FEMALE: [&[(&str, &str)]; 5] = [
    &[
        ("和子", "カズコ"),
        ("幸子", "サチコ"),
        ("節子", "セツコ"),
        ("洋子", "ヨウコ"),
        ("京子", "キョウコ"),
        ("久子", "ヒサコ"),
        ("美代子", "ミヨコ"),
        ("照子", "テルコ"),
        ("文子", "フミコ"),
        ("静子", "シズコ"),
        ("千代子", "チヨコ"),
        ("清子", "キヨコ"),
        ("信子", "ノブコ"),
        ("正子", "マサコ"),
        ("富子", "トミコ"),
        ("芳子", "ヨシコ"),
        ("君子", "キミコ"),
        ("弘子", "ヒロコ"),
        ("悦子", "エツコ"),
        ("光子", "ミツコ"),
        ("ハル", "ハル"),
        ("キヨ", "キヨ"),
        ("ミヨ", "ミヨ"),
        ("敏子", "トシコ"),
        ("八重子", "ヤエコ"),
        ("栄子", "エイコ"),
        ("緑", "ミドリ"),
        ("澄子", "スミコ"),
        ("百合子", "ユリコ"),
        ("登美子", "トミコ"),
        ("文江", "フミエ"),
        ("春江", "ハルエ"),
        ("静江", "シズエ"),
        ("貞子", "サダコ"),
        ("美智子", "ミチコ"),
        ("勝子", "カツコ"),
        ("和代", "カズヨ"),
        ("房子", "フサコ"),
        ("ふみ", "フミ"),
        ("千代", "チヨ"),
        ("恵美子", "エミコ"),
    ],
    &[
        ("恵子", "ケイコ"),
        ("裕子", "ユウコ"),
        ("由美子", "ユミコ"),
        ("久美子", "クミコ"),
        ("美智子", "ミチコ"),
        ("典子", "ノリコ"),
        ("明美", "アケミ"),
        ("直美", "ナオミ"),
        ("智子", "トモコ"),
        ("真由美", "マユミ"),
        ("陽子", "ヨウコ"),
        ("順子", "ジュンコ"),
        ("洋子", "ヨウコ"),
        ("純子", "ジュンコ"),
        ("京子", "キョウコ"),
        ("由美", "ユミ"),
        ("恵美子", "エミコ"),
        ("美穂", "ミホ"),
        ("さおり", "サオリ"),
        ("香織", "カオリ"),
        ("幸子", "サチコ"),
        ("弘美", "ヒロミ"),
        ("浩子", "ヒロコ"),
        ("祐子", "ユウコ"),
        ("優子", "ユウコ"),
        ("和美", "カズミ"),
        ("礼子", "レイコ"),
        ("淳子", "ジュンコ"),
        ("真理子", "マリコ"),
        ("由紀子", "ユキコ"),
        ("聡子", "サトコ"),
        ("千恵子", "チエコ"),
        ("美由紀", "ミユキ"),
        ("玲子", "レイコ"),
        ("雅子", "マサコ"),
        ("敦子", "アツコ"),
        ("尚美", "ナオミ"),
        ("博美", "ヒロミ"),
        ("律子", "リツコ"),
        ("恭子", "キョウコ"),
        ("早苗", "サナエ"),
        ("小百合", "サユリ"),
    ],
    &[
        ("愛", "アイ"),
        ("彩", "アヤ"),
        ("恵", "メグミ"),
        ("麻衣", "マイ"),
        ("舞", "マイ"),
        ("美穂", "ミホ"),
        ("沙織", "サオリ"),
        ("香織", "カオリ"),
        ("愛美", "マナミ"),
        ("千尋", "チヒロ"),
        ("智美", "トモミ"),
        ("裕美", "ユミ"),
        ("真由美", "マユミ"),
        ("由佳", "ユカ"),
        ("陽子", "ヨウコ"),
        ("瞳", "ヒトミ"),
        ("彩香", "アヤカ"),
        ("美咲", "ミサキ"),
        ("久美子", "クミコ"),
        ("恵美", "エミ"),
        ("麻美", "アサミ"),
        ("奈緒", "ナオ"),
        ("絵美", "エミ"),
        ("友美", "トモミ"),
        ("理恵", "リエ"),
        ("直子", "ナオコ"),
        ("明日香", "アスカ"),
        ("早紀", "サキ"),
        ("亜希子", "アキコ"),
        ("由紀", "ユキ"),
        ("静香", "シズカ"),
        ("綾", "アヤ"),
        ("美紀", "ミキ"),
        ("真紀", "マキ"),
        ("晴香", "ハルカ"),
        ("遥", "ハルカ"),
        ("愛子", "アイコ"),
        ("沙也加", "サヤカ"),
        ("舞子", "マイコ"),
    ],
    &[
        ("美咲", "ミサキ"),
        ("葵", "アオイ"),
        ("七海", "ナナミ"),
        ("陽菜", "ヒナ"),
        ("さくら", "サクラ"),
        ("優花", "ユウカ"),
        ("彩花", "アヤカ"),
        ("美優", "ミユ"),
        ("萌", "モエ"),
        ("菜々子", "ナナコ"),
        ("遥", "ハルカ"),
        ("真由", "マユ"),
        ("明日香", "アスカ"),
        ("未来", "ミク"),
        ("結衣", "ユイ"),
        ("杏", "アン"),
        ("玲奈", "レナ"),
        ("愛美", "マナミ"),
        ("彩乃", "アヤノ"),
        ("千尋", "チヒロ"),
        ("夏美", "ナツミ"),
        ("美月", "ミツキ"),
        ("莉子", "リコ"),
        ("花音", "カノン"),
        ("沙紀", "サキ"),
        ("桃子", "モモコ"),
        ("瑞希", "ミズキ"),
        ("茜", "アカネ"),
        ("舞", "マイ"),
        ("楓", "カエデ"),
        ("詩織", "シオリ"),
        ("菜摘", "ナツミ"),
        ("優奈", "ユウナ"),
        ("彩", "アヤ"),
        ("琴音", "コトネ"),
        ("日菜子", "ヒナコ"),
    ],
    &[
        ("陽葵", "ヒマリ"),
        ("凛", "リン"),
        ("結菜", "ユイナ"),
        ("芽依", "メイ"),
        ("葵", "アオイ"),
        ("紬", "ツムギ"),
        ("さくら", "サクラ"),
        ("結愛", "ユア"),
        ("莉子", "リコ"),
        ("咲良", "サクラ"),
        ("澪", "ミオ"),
        ("杏", "アン"),
        ("陽菜", "ヒナ"),
        ("結衣", "ユイ"),
        ("美桜", "ミオ"),
        ("心春", "コハル"),
        ("花", "ハナ"),
        ("琴音", "コトネ"),
        ("楓", "カエデ"),
        ("詩", "ウタ"),
        ("芽生", "メイ"),
        ("翠", "ミドリ"),
        ("陽葵", "ヒナタ"),
        ("心陽", "コハル"),
        ("彩葉", "イロハ"),
        ("乃愛", "ノア"),
        ("一花", "イチカ"),
        ("依茉", "エマ"),
        ("結月", "ユヅキ"),
        ("柚葉", "ユズハ"),
        ("杏奈", "アンナ"),
        ("紗良", "サラ"),
        ("真央", "マオ"),
        ("千夏", "チナツ"),
        ("日葵", "ヒマリ"),
    ],
];

/// A name part as the registry holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NamePart {
    /// The spelling the registry holds (may be an old form).
    pub(crate) kanji: &'static str,
    /// The common form an insurer would usually write (same as `kanji` for
    /// names without an old form).
    pub(crate) common: &'static str,
    pub(crate) kana: &'static str,
    /// Index of the reading among all readings of this kind, for namesake
    /// bookkeeping.
    pub(crate) reading: u16,
}

impl NamePart {
    pub(crate) fn is_old_form(&self) -> bool {
        self.kanji != self.common
    }
}

/// The name tables, indexed for weighted draws and for finding other
/// spellings of a reading.
pub(crate) struct Names {
    surname_draw: Cumulative,
    /// reading index → surname entries with that reading
    surname_by_reading: Vec<Vec<usize>>,
    surname_reading_of: Vec<u16>,
    /// common form → old forms
    old_forms: BTreeMap<&'static str, Vec<&'static str>>,
    given: [GivenTable; 2],
}

struct GivenTable {
    /// all (spelling, reading) entries, era-major
    entries: Vec<(&'static str, &'static str)>,
    reading_of: Vec<u16>,
    by_reading: Vec<Vec<usize>>,
    /// per era: the range of `entries` and its weighted draw
    eras: Vec<(usize, Cumulative)>,
}

impl GivenTable {
    fn new(table: &[&[(&'static str, &'static str)]; 5]) -> GivenTable {
        let mut entries = Vec::new();
        let mut eras = Vec::new();
        for era in table {
            let start = entries.len();
            entries.extend_from_slice(era);
            // A gentle rank decay: the first names of each list are the more common.
            let weights: Vec<f64> = (0..era.len()).map(|rank| 1.0 / (rank as f64 + 8.0)).collect();
            eras.push((start, Cumulative::new(&weights)));
        }
        let (reading_of, by_reading) = index_readings(entries.iter().map(|(_, kana)| *kana));
        GivenTable { entries, reading_of, by_reading, eras }
    }
}

fn index_readings<'a>(kanas: impl Iterator<Item = &'a str>) -> (Vec<u16>, Vec<Vec<usize>>) {
    let mut ids: BTreeMap<&str, u16> = BTreeMap::new();
    let mut reading_of = Vec::new();
    let mut by_reading: Vec<Vec<usize>> = Vec::new();
    for (idx, kana) in kanas.enumerate() {
        let next = ids.len() as u16;
        let id = *ids.entry(kana).or_insert(next);
        if usize::from(id) == by_reading.len() {
            by_reading.push(Vec::new());
        }
        by_reading[usize::from(id)].push(idx);
        reading_of.push(id);
    }
    (reading_of, by_reading)
}

impl Names {
    pub(crate) fn new() -> Names {
        let weights: Vec<f64> = SURNAMES.iter().map(|(_, _, w)| f64::from(*w)).collect();
        let (surname_reading_of, surname_by_reading) = index_readings(SURNAMES.iter().map(|(_, kana, _)| *kana));
        let mut old_forms: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
        for (common, old) in OLD_FORMS {
            old_forms.entry(common).or_default().push(old);
        }
        Names {
            surname_draw: Cumulative::new(&weights),
            surname_by_reading,
            surname_reading_of,
            old_forms,
            given: [GivenTable::new(&MALE), GivenTable::new(&FEMALE)],
        }
    }

    /// A surname by frequency; with probability `old_form_rate` the old form
    /// where one exists.
    pub(crate) fn surname(&self, rng: &mut impl Rng, old_form_rate: f64) -> NamePart {
        let idx = self.surname_draw.pick(rng);
        self.surname_part(idx, rng, old_form_rate)
    }

    /// A surname with the given reading, preferring (with probability
    /// `other_spelling`) a spelling other than `avoid`.
    pub(crate) fn surname_with_reading(
        &self,
        reading: u16,
        avoid: &str,
        other_spelling: f64,
        old_form_rate: f64,
        rng: &mut impl Rng,
    ) -> NamePart {
        let group = &self.surname_by_reading[usize::from(reading)];
        let want_other = rng.random_bool(other_spelling);
        let mut best = None;
        // Spellings of a reading: each entry's common form and its old forms.
        let mut candidates: Vec<(usize, Option<&'static str>)> = Vec::new();
        for &idx in group {
            candidates.push((idx, None));
            if let Some(olds) = self.old_forms.get(SURNAMES[idx].0) {
                candidates.extend(olds.iter().map(|old| (idx, Some(*old))));
            }
        }
        if want_other {
            let others: Vec<_> =
                candidates.iter().filter(|(idx, old)| old.unwrap_or(SURNAMES[*idx].0) != avoid).copied().collect();
            if !others.is_empty() {
                best = Some(others[rng.random_range(0..others.len())]);
            }
        }
        match best {
            Some((idx, Some(old))) => NamePart {
                kanji: old,
                common: SURNAMES[idx].0,
                kana: SURNAMES[idx].1,
                reading: self.surname_reading_of[idx],
            },
            Some((idx, None)) => NamePart {
                kanji: SURNAMES[idx].0,
                common: SURNAMES[idx].0,
                kana: SURNAMES[idx].1,
                reading: self.surname_reading_of[idx],
            },
            None => {
                let idx = group[rng.random_range(0..group.len())];
                self.surname_part(idx, rng, old_form_rate)
            }
        }
    }

    fn surname_part(&self, idx: usize, rng: &mut impl Rng, old_form_rate: f64) -> NamePart {
        let (common, kana, _) = SURNAMES[idx];
        let kanji = match self.old_forms.get(common) {
            Some(olds) if rng.random_bool(old_form_rate) => olds[rng.random_range(0..olds.len())],
            _ => common,
        };
        NamePart { kanji, common, kana, reading: self.surname_reading_of[idx] }
    }

    /// A given name fashionable in the birth year, avoiding the readings in
    /// `avoid` (siblings do not share a name).
    pub(crate) fn given(&self, sex: Sex, birth_year: i32, avoid: &[u16], rng: &mut impl Rng) -> NamePart {
        let table = &self.given[sex_index(sex)];
        let era = ERA_STARTS.iter().rposition(|start| birth_year >= *start).unwrap_or(0);
        let (start, draw) = &table.eras[era];
        let mut idx = start + draw.pick(rng);
        for _ in 0..8 {
            if !avoid.contains(&table.reading_of[idx]) {
                break;
            }
            idx = start + draw.pick(rng);
        }
        let (kanji, kana) = table.entries[idx];
        NamePart { kanji, common: kanji, kana, reading: table.reading_of[idx] }
    }

    /// A given name with the given reading, preferring (with probability
    /// `other_spelling`) a spelling other than `avoid`.
    pub(crate) fn given_with_reading(
        &self,
        sex: Sex,
        reading: u16,
        avoid: &str,
        other_spelling: f64,
        rng: &mut impl Rng,
    ) -> NamePart {
        let table = &self.given[sex_index(sex)];
        let group = &table.by_reading[usize::from(reading)];
        let others: Vec<usize> = group.iter().copied().filter(|idx| table.entries[*idx].0 != avoid).collect();
        let idx = if !others.is_empty() && rng.random_bool(other_spelling) {
            others[rng.random_range(0..others.len())]
        } else {
            group.iter().copied().find(|idx| table.entries[*idx].0 == avoid).unwrap_or(group[0])
        };
        let (kanji, kana) = table.entries[idx];
        NamePart { kanji, common: kanji, kana, reading: table.reading_of[idx] }
    }

    /// Whether a surname reading has a spelling other than `kanji` (another
    /// surname of that reading, or an old or common form).
    pub(crate) fn surname_has_other_spelling(&self, reading: u16, kanji: &str) -> bool {
        self.surname_by_reading[usize::from(reading)].iter().any(|idx| {
            let common = SURNAMES[*idx].0;
            common != kanji || self.old_forms.get(common).is_some_and(|olds| olds.iter().any(|old| *old != kanji))
        })
    }

    /// Whether a given-name reading has a spelling other than `kanji`.
    pub(crate) fn given_has_other_spelling(&self, sex: Sex, reading: u16, kanji: &str) -> bool {
        let table = &self.given[sex_index(sex)];
        table.by_reading[usize::from(reading)].iter().any(|idx| table.entries[*idx].0 != kanji)
    }

    /// A surname drawn by frequency, for facility names.
    pub(crate) fn plain_surname(&self, rng: &mut impl Rng) -> &'static str {
        SURNAMES[self.surname_draw.pick(rng)].0
    }
}

fn sex_index(sex: Sex) -> usize {
    usize::from(sex == Sex::Female)
}

#[cfg(test)]
mod tests;
