/** Word lists for synthetic Vietnamese records. Weights are rough shares, for plausibility, not statistics. */

export const familyNames: ReadonlyArray<{ value: string; weight: number }> = [
  { value: 'Nguyễn', weight: 38 }, { value: 'Trần', weight: 11 }, { value: 'Lê', weight: 9.5 },
  { value: 'Phạm', weight: 7 }, { value: 'Hoàng', weight: 5 }, { value: 'Huỳnh', weight: 3 },
  { value: 'Phan', weight: 4.5 }, { value: 'Vũ', weight: 3.9 }, { value: 'Võ', weight: 2 },
  { value: 'Đặng', weight: 2.1 }, { value: 'Bùi', weight: 2 }, { value: 'Đỗ', weight: 1.4 },
  { value: 'Hồ', weight: 1.3 }, { value: 'Ngô', weight: 1.3 }, { value: 'Dương', weight: 1 },
  { value: 'Lý', weight: 0.5 }, { value: 'Đinh', weight: 0.8 }, { value: 'Trương', weight: 0.8 },
  { value: 'Lâm', weight: 0.5 }, { value: 'Mai', weight: 0.5 },
];

export const middleNames = {
  MALE: ['Văn', 'Hữu', 'Đức', 'Minh', 'Quang', 'Công', 'Thành', 'Xuân', 'Ngọc', 'Gia', 'Anh', 'Tuấn'],
  FEMALE: ['Thị', 'Thị', 'Ngọc', 'Thu', 'Thanh', 'Phương', 'Minh', 'Bảo', 'Khánh', 'Mai', 'Hồng', 'Diệu'],
} as const;

export const givenNames = {
  MALE: ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hiếu', 'Hoàng', 'Hùng', 'Huy', 'Khang', 'Khoa', 'Kiên',
    'Long', 'Lộc', 'Minh', 'Nam', 'Nghĩa', 'Phong', 'Phúc', 'Quân', 'Sơn', 'Tài', 'Thắng', 'Thịnh', 'Toàn',
    'Trung', 'Tuấn', 'Việt', 'Vinh'],
  FEMALE: ['An', 'Anh', 'Chi', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hoa', 'Hương', 'Lan', 'Linh', 'Loan',
    'Mai', 'My', 'Nga', 'Ngân', 'Nhung', 'Oanh', 'Phương', 'Quỳnh', 'Tâm', 'Thảo', 'Trang', 'Trinh', 'Tuyết',
    'Uyên', 'Vân', 'Vy', 'Yến'],
} as const;

export const ethnicities: ReadonlyArray<{ value: string; weight: number }> = [
  { value: 'Kinh', weight: 85 }, { value: 'Tày', weight: 2 }, { value: 'Thái', weight: 2 },
  { value: 'Mường', weight: 1.5 }, { value: 'Khmer', weight: 1.4 }, { value: 'Mông', weight: 1.4 },
  { value: 'Nùng', weight: 1.1 }, { value: 'Hoa', weight: 0.8 }, { value: 'Dao', weight: 0.9 },
  { value: 'Gia Rai', weight: 0.5 }, { value: 'Ê Đê', weight: 0.4 },
];

export const religions: ReadonlyArray<{ value: string; weight: number }> = [
  { value: 'Không', weight: 86 }, { value: 'Phật giáo', weight: 6 }, { value: 'Công giáo', weight: 6 },
  { value: 'Cao Đài', weight: 0.6 }, { value: 'Phật giáo Hòa Hảo', weight: 0.8 }, { value: 'Tin Lành', weight: 0.6 },
];

export const bloodTypes: ReadonlyArray<{ value: 'A' | 'B' | 'AB' | 'O' | null; weight: number }> = [
  { value: 'O', weight: 38 }, { value: 'B', weight: 28 }, { value: 'A', weight: 19 }, { value: 'AB', weight: 5 },
  { value: null, weight: 10 },
];

export const occupations = ['Nông dân', 'Công nhân', 'Giáo viên', 'Kỹ sư', 'Buôn bán', 'Nhân viên văn phòng',
  'Bác sĩ', 'Điều dưỡng', 'Lái xe', 'Thợ xây', 'Kế toán', 'Lao động tự do', 'Cán bộ, công chức', 'Ngư dân'];

/** Stems for synthetic commune and district names (not a list of real units). */
export const placeStems = ['An Bình', 'An Phú', 'Bình An', 'Bình Minh', 'Đông Hòa', 'Hòa Bình', 'Hòa Lợi', 'Hưng Long',
  'Long Hưng', 'Minh Khai', 'Phú Lợi', 'Phú Mỹ', 'Phước Long', 'Quang Trung', 'Tân An', 'Tân Hiệp', 'Tân Phú',
  'Thạnh Lộc', 'Thanh Xuân', 'Thới An', 'Trung Hòa', 'Vĩnh Phúc', 'Xuân Phương', 'Yên Hòa', 'Đồng Tâm',
  'Nghĩa Tân', 'Kim Liên', 'Cát Linh', 'Hiệp Thành', 'Tam Phước'];

export const streetStems = ['Lê Lợi', 'Trần Hưng Đạo', 'Nguyễn Trãi', 'Hai Bà Trưng', 'Lý Thường Kiệt', 'Quang Trung',
  'Nguyễn Huệ', 'Lê Duẩn', 'Phan Chu Trinh', 'Điện Biên Phủ', 'Hùng Vương', 'Võ Thị Sáu', 'Nguyễn Văn Cừ',
  'Tôn Đức Thắng', 'Phạm Văn Đồng'];
