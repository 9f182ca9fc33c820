//! Image bombs (issue 25): a clinic logo or a template's image whose header
//! claims more pixels than the budget is refused by name before decoding.
