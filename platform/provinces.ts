/**
 * Province codes of personal ID numbers (Circular 07/2016/TT-BCA, Appendix 1): the 63 provinces that existed
 * before the 2025 reorganisation. `since2025` is the province each one belongs to after Resolution
 * 202/2025/QH15 (34 provinces, two levels of local government: province and commune).
 */
export interface Province {
  readonly code: string;
  readonly name: string;
  readonly since2025: string;
}

const table: ReadonlyArray<readonly [code: string, name: string, since2025: string]> = [
  ['001', 'Hà Nội', 'Hà Nội'],
  ['002', 'Hà Giang', 'Tuyên Quang'],
  ['004', 'Cao Bằng', 'Cao Bằng'],
  ['006', 'Bắc Kạn', 'Thái Nguyên'],
  ['008', 'Tuyên Quang', 'Tuyên Quang'],
  ['010', 'Lào Cai', 'Lào Cai'],
  ['011', 'Điện Biên', 'Điện Biên'],
  ['012', 'Lai Châu', 'Lai Châu'],
  ['014', 'Sơn La', 'Sơn La'],
  ['015', 'Yên Bái', 'Lào Cai'],
  ['017', 'Hòa Bình', 'Phú Thọ'],
  ['019', 'Thái Nguyên', 'Thái Nguyên'],
  ['020', 'Lạng Sơn', 'Lạng Sơn'],
  ['022', 'Quảng Ninh', 'Quảng Ninh'],
  ['024', 'Bắc Giang', 'Bắc Ninh'],
  ['025', 'Phú Thọ', 'Phú Thọ'],
  ['026', 'Vĩnh Phúc', 'Phú Thọ'],
  ['027', 'Bắc Ninh', 'Bắc Ninh'],
  ['030', 'Hải Dương', 'Hải Phòng'],
  ['031', 'Hải Phòng', 'Hải Phòng'],
  ['033', 'Hưng Yên', 'Hưng Yên'],
  ['034', 'Thái Bình', 'Hưng Yên'],
  ['035', 'Hà Nam', 'Ninh Bình'],
  ['036', 'Nam Định', 'Ninh Bình'],
  ['037', 'Ninh Bình', 'Ninh Bình'],
  ['038', 'Thanh Hóa', 'Thanh Hóa'],
  ['040', 'Nghệ An', 'Nghệ An'],
  ['042', 'Hà Tĩnh', 'Hà Tĩnh'],
  ['044', 'Quảng Bình', 'Quảng Trị'],
  ['045', 'Quảng Trị', 'Quảng Trị'],
  ['046', 'Thừa Thiên Huế', 'Huế'],
  ['048', 'Đà Nẵng', 'Đà Nẵng'],
  ['049', 'Quảng Nam', 'Đà Nẵng'],
  ['051', 'Quảng Ngãi', 'Quảng Ngãi'],
  ['052', 'Bình Định', 'Gia Lai'],
  ['054', 'Phú Yên', 'Đắk Lắk'],
  ['056', 'Khánh Hòa', 'Khánh Hòa'],
  ['058', 'Ninh Thuận', 'Khánh Hòa'],
  ['060', 'Bình Thuận', 'Lâm Đồng'],
  ['062', 'Kon Tum', 'Quảng Ngãi'],
  ['064', 'Gia Lai', 'Gia Lai'],
  ['066', 'Đắk Lắk', 'Đắk Lắk'],
  ['067', 'Đắk Nông', 'Lâm Đồng'],
  ['068', 'Lâm Đồng', 'Lâm Đồng'],
  ['070', 'Bình Phước', 'Đồng Nai'],
  ['072', 'Tây Ninh', 'Tây Ninh'],
  ['074', 'Bình Dương', 'Hồ Chí Minh City'],
  ['075', 'Đồng Nai', 'Đồng Nai'],
  ['077', 'Bà Rịa-Vũng Tàu', 'Hồ Chí Minh City'],
  ['079', 'Hồ Chí Minh City', 'Hồ Chí Minh City'],
  ['080', 'Long An', 'Tây Ninh'],
  ['082', 'Tiền Giang', 'Đồng Tháp'],
  ['083', 'Bến Tre', 'Vĩnh Long'],
  ['084', 'Trà Vinh', 'Vĩnh Long'],
  ['086', 'Vĩnh Long', 'Vĩnh Long'],
  ['087', 'Đồng Tháp', 'Đồng Tháp'],
  ['089', 'An Giang', 'An Giang'],
  ['091', 'Kiên Giang', 'An Giang'],
  ['092', 'Cần Thơ', 'Cần Thơ'],
  ['093', 'Hậu Giang', 'Cần Thơ'],
  ['094', 'Sóc Trăng', 'Cần Thơ'],
  ['095', 'Bạc Liêu', 'Cà Mau'],
  ['096', 'Cà Mau', 'Cà Mau'],
];

export const provinces: readonly Province[] = table.map(([code, name, since2025]) => ({ code, name, since2025 }));

const byCode = new Map(provinces.map((province) => [province.code, province]));

export function provinceByCode(code: string): Province | undefined {
  return byCode.get(code);
}

/** The date the two-level local government (province, commune) took effect. */
export const TWO_LEVEL_GOVERNMENT_SINCE = '2025-07-01';
