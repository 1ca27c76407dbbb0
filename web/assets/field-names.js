// What a schema coordinate means to a citizen, in Vietnamese and English. A coordinate not named here is shown by
// its type and field; root fields (Query.*) and page wrappers say how data was asked for, not which, and are left out.
const NAMES = {
  'Citizen.personalId': ['Số định danh cá nhân', 'Personal ID number'],
  'Citizen.fullName': ['Họ và tên', 'Full name'],
  'Citizen.otherNames': ['Tên gọi khác', 'Other names'],
  'Citizen.dateOfBirth': ['Ngày sinh', 'Date of birth'],
  'Citizen.sex': ['Giới tính', 'Sex'],
  'Citizen.placeOfBirth': ['Nơi sinh', 'Place of birth'],
  'Citizen.placeOfBirthRegistration': ['Nơi đăng ký khai sinh', 'Place of birth registration'],
  'Citizen.hometown': ['Quê quán', 'Hometown'],
  'Citizen.ethnicity': ['Dân tộc', 'Ethnicity'],
  'Citizen.religion': ['Tôn giáo', 'Religion'],
  'Citizen.nationality': ['Quốc tịch', 'Nationality'],
  'Citizen.bloodType': ['Nhóm máu', 'Blood type'],
  'Citizen.maritalStatus': ['Tình trạng hôn nhân', 'Marital status'],
  'Citizen.oldIdNumber': ['Số CMND cũ (9 số)', 'Old 9-digit ID number'],
  'Citizen.identityCard': ['Thẻ căn cước', 'Identity card'],
  'IdentityCard.number': ['Số thẻ căn cước', 'Identity card number'],
  'IdentityCard.issuedOn': ['Ngày cấp thẻ', 'Card issue date'],
  'IdentityCard.issuedBy': ['Nơi cấp thẻ', 'Card issued by'],
  'IdentityCard.expiresOn': ['Hạn thẻ', 'Card expiry date'],
  'Citizen.phone': ['Số điện thoại', 'Phone number'],
  'Citizen.email': ['Thư điện tử', 'E-mail'],
  'Citizen.occupation': ['Nghề nghiệp', 'Occupation'],
  'Citizen.lifeStatus': ['Tình trạng sống/chết/mất tích', 'Alive, dead or missing'],
  'Citizen.dateOfDeath': ['Ngày mất', 'Date of death'],
  'Citizen.missingSince': ['Mất tích từ ngày', 'Missing since'],
  'Citizen.father': ['Cha', 'Father'],
  'Citizen.mother': ['Mẹ', 'Mother'],
  'Citizen.spouse': ['Vợ/chồng', 'Spouse'],
  'Citizen.children': ['Con', 'Children'],
  'Citizen.documents': ['Giấy tờ đã được cấp', 'Documents issued'],
  'Citizen.procedureRecords': ['Hồ sơ thủ tục hành chính', 'Procedure dossiers'],
  'Citizen.documentCheck': ['Kiểm tra giấy tờ cần nộp', 'Check of required documents'],
  'Citizen.household': ['Hộ gia đình', 'Household'],
  'Citizen.relationshipToHead': ['Quan hệ với chủ hộ', 'Relationship to the head of household'],
  'Citizen.permanentResidence': ['Nơi thường trú', 'Permanent residence'],
  'Citizen.temporaryResidences': ['Nơi tạm trú', 'Temporary residence'],
  'Citizen.residenceHistory': ['Lịch sử cư trú', 'Residence history'],
  'Household.householdId': ['Mã hộ', 'Household number'],
  'Household.residenceFileNumber': ['Số hồ sơ cư trú', 'Residence file number'],
  'Household.address': ['Địa chỉ hộ', 'Household address'],
  'Household.head': ['Chủ hộ', 'Head of household'],
  'Household.members': ['Thành viên hộ', 'Household members'],
  'HouseholdMember.relationshipToHead': ['Quan hệ với chủ hộ', 'Relationship to the head of household'],
  'HouseholdMember.since': ['Ngày vào hộ', 'Member since'],
  'Address.text': ['Địa chỉ', 'Address'],
  'ResidenceRecord.address': ['Địa chỉ cư trú', 'Residence address'],
  'ResidenceRecord.registeredOn': ['Ngày đăng ký cư trú', 'Residence registered on'],
  'IssuedDocument.type': ['Loại giấy tờ', 'Document type'],
  'IssuedDocument.number': ['Số giấy tờ', 'Document number'],
  'IssuedDocument.issuedOn': ['Ngày cấp giấy tờ', 'Document issue date'],
  'IssuedDocument.issuingAgency': ['Cơ quan cấp giấy tờ', 'Issuing agency'],
  'IssuedDocument.electronicCopy': ['Bản điện tử của giấy tờ', 'Electronic copy of a document'],
  'ProcedureRecord.dossierCode': ['Mã hồ sơ', 'Dossier code'],
  'ProcedureRecord.status': ['Trạng thái hồ sơ', 'Dossier status'],
  'AuditRecord.seq': ['Nhật ký truy cập dữ liệu của bạn', 'The log of reads of your data'],
  'AuditRecord.subjects': ['Nhật ký truy cập dữ liệu của bạn', 'The log of reads of your data'],
  'Complaint.reason': ['Khiếu nại của bạn', 'Your complaint'],
};

const STRUCTURAL = /^(Query|Mutation)\.|Page\.|^Complaint\.(?!reason)|^ComplaintNote\.|^AuditRecord\.(?!seq$|subjects$)/;

/** The fields an access read, in `lang` ('vi' or 'en'), each named once, in the order first met. */
export function fieldWords(coordinates, lang) {
  const index = lang === 'en' ? 1 : 0;
  const words = [];
  for (const coordinate of coordinates) {
    if (STRUCTURAL.test(coordinate)) continue;
    const named = NAMES[coordinate];
    const word = named ? named[index] : coordinate.replace('.', ' › ');
    if (!words.includes(word)) words.push(word);
  }
  return words;
}
