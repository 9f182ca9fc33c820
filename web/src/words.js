// Every word the page shows, in English and Spanish.
//
// The form itself comes from the field table in the core (so.fields()):
// names, kinds, required marks, codes, examples. This file adds, for each
// field name, the group it belongs to and a label and plain help in each
// language. It must cover exactly the fields fields() lists: the page
// refuses to start, and the browser test fails, when a field has no words
// here or a word here names no field. The same holds for problems: the
// core reports each as a code with parameters (fields().problem_codes
// lists them all), and PROBLEM_WORDS below words every code.

export const LANGUAGES = ['en', 'es'];

// The groups of the form, in the order a person goes through them.
export const GROUPS = ['about', 'doctors', 'diagnosis', 'records', 'insurance', 'questions'];

export const FIELD_WORDS = {
  packet_id: {
    group: 'about',
    en: { label: 'Packet number', help: 'If your clinic gave you a packet or case number, type it here. It becomes the name of the file. You can leave it empty.' },
    es: { label: 'Número de paquete', help: 'Si su clínica le dio un número de paquete o de caso, escríbalo aquí. Será el nombre del archivo. Puede dejarlo vacío.' },
  },
  patient_name: {
    group: 'about',
    en: { label: 'Your full name', help: 'Your name the way it should look on letters.' },
    es: { label: 'Su nombre completo', help: 'Su nombre tal como debe aparecer en las cartas.' },
  },
  date_of_birth: {
    group: 'about',
    en: { label: 'Date of birth', help: 'The day you were born.' },
    es: { label: 'Fecha de nacimiento', help: 'El día en que usted nació.' },
  },
  patient_address: {
    group: 'about',
    en: { label: 'Your mailing address', help: 'Where you get mail. You can use more than one line.' },
    es: { label: 'Su dirección postal', help: 'Donde recibe su correo. Puede usar más de una línea.' },
  },
  patient_phone: {
    group: 'about',
    en: { label: 'Your phone number', help: 'A number where people can reach you.' },
    es: { label: 'Su número de teléfono', help: 'Un número donde lo pueden llamar.' },
  },
  patient_email: {
    group: 'about',
    en: { label: 'Your e-mail address', help: 'You can leave this empty.' },
    es: { label: 'Su correo electrónico', help: 'Puede dejarlo vacío.' },
  },
  medical_record_number: {
    group: 'about',
    en: { label: 'Your medical record number', help: 'The number your current doctor’s office uses for you. Type it just as it is printed, with any zeros at the start.' },
    es: { label: 'Su número de expediente médico', help: 'El número que usa el consultorio de su médico actual para usted. Escríbalo tal como aparece, con los ceros del principio.' },
  },
  language: {
    group: 'about',
    en: { label: 'Language of your papers', help: 'The language your packet is written in. If you do not choose, it uses the language of this page.' },
    es: { label: 'Idioma de sus documentos', help: 'El idioma en que se escribe su paquete. Si no elige, se usa el idioma de esta página.' },
  },
  current_doctor: {
    group: 'doctors',
    en: { label: 'Your current doctor', help: 'The doctor whose diagnosis or treatment plan you want someone else to look at.' },
    es: { label: 'Su médico actual', help: 'El médico cuyo diagnóstico o plan de tratamiento quiere que otra persona revise.' },
  },
  current_practice: {
    group: 'doctors',
    en: { label: 'Current doctor’s office or hospital', help: 'The name of the practice, clinic or hospital.' },
    es: { label: 'Consultorio u hospital de su médico actual', help: 'El nombre del consultorio, la clínica o el hospital.' },
  },
  records_office_address: {
    group: 'records',
    en: { label: 'Address of the records office', help: 'Where the letter asking for your records goes. Ask the front desk if you are not sure. You can use more than one line.' },
    es: { label: 'Dirección de la oficina de expedientes', help: 'A dónde va la carta que pide sus expedientes. Pregunte en la recepción si no está seguro. Puede usar más de una línea.' },
  },
  records_office_phone: {
    group: 'records',
    en: { label: 'Phone of the records office', help: 'The phone number of the office that handles medical records.' },
    es: { label: 'Teléfono de la oficina de expedientes', help: 'El teléfono de la oficina que maneja los expedientes médicos.' },
  },
  records_office_fax: {
    group: 'records',
    en: { label: 'Fax of the records office', help: 'The fax number of that office, if it has one.' },
    es: { label: 'Fax de la oficina de expedientes', help: 'El número de fax de esa oficina, si tiene uno.' },
  },
  diagnosis: {
    group: 'diagnosis',
    en: { label: 'Your diagnosis', help: 'What your doctor said you have. Leave it empty if it is not clear yet.' },
    es: { label: 'Su diagnóstico', help: 'Lo que su médico dijo que usted tiene. Déjelo vacío si todavía no está claro.' },
  },
  recommended_treatment: {
    group: 'diagnosis',
    en: { label: 'Treatment you were offered', help: 'The treatment or surgery your doctor recommended.' },
    es: { label: 'Tratamiento que le ofrecieron', help: 'El tratamiento o la cirugía que su médico le recomendó.' },
  },
  reasons: {
    group: 'diagnosis',
    en: { label: 'Why do you want a second opinion?', help: 'Check all that fit. Your answers choose the questions in your packet.' },
    es: { label: '¿Por qué quiere una segunda opinión?', help: 'Marque todas las que correspondan. Sus respuestas eligen las preguntas de su paquete.' },
  },
  decision_deadline: {
    group: 'diagnosis',
    en: { label: 'Decide by', help: 'The date you need to decide by, if there is one.' },
    es: { label: 'Decidir antes de', help: 'La fecha en que debe decidir, si hay una.' },
  },
  appointment_date: {
    group: 'diagnosis',
    en: { label: 'Second-opinion appointment', help: 'The date of your second-opinion visit, if it is booked.' },
    es: { label: 'Cita de segunda opinión', help: 'La fecha de su visita de segunda opinión, si ya la tiene.' },
  },
  second_opinion_doctor: {
    group: 'doctors',
    en: { label: 'Second-opinion doctor', help: 'The doctor who will give the second opinion, if you know.' },
    es: { label: 'Médico de la segunda opinión', help: 'El médico que dará la segunda opinión, si lo sabe.' },
  },
  second_opinion_practice: {
    group: 'doctors',
    en: { label: 'Second-opinion office or hospital', help: 'Where that doctor works.' },
    es: { label: 'Consultorio u hospital de la segunda opinión', help: 'Donde trabaja ese médico.' },
  },
  second_opinion_address: {
    group: 'doctors',
    en: { label: 'Second-opinion doctor’s address', help: 'Where that doctor gets records by mail. You can use more than one line.' },
    es: { label: 'Dirección del médico de la segunda opinión', help: 'Donde ese médico recibe expedientes por correo. Puede usar más de una línea.' },
  },
  second_opinion_fax: {
    group: 'doctors',
    en: { label: 'Second-opinion doctor’s fax', help: 'The fax number of that doctor’s office, if you know it.' },
    es: { label: 'Fax del médico de la segunda opinión', help: 'El número de fax de ese consultorio, si lo sabe.' },
  },
  insurer: {
    group: 'insurance',
    en: { label: 'Health insurance company', help: 'The name of your health plan.' },
    es: { label: 'Compañía de seguro médico', help: 'El nombre de su plan de salud.' },
  },
  member_id: {
    group: 'insurance',
    en: { label: 'Member ID', help: 'The member or subscriber number on your insurance card.' },
    es: { label: 'Número de miembro', help: 'El número de miembro o de suscriptor de su tarjeta de seguro.' },
  },
  group_number: {
    group: 'insurance',
    en: { label: 'Group number', help: 'The group number on your insurance card.' },
    es: { label: 'Número de grupo', help: 'El número de grupo de su tarjeta de seguro.' },
  },
  insurer_phone: {
    group: 'insurance',
    en: { label: 'Insurance phone number', help: 'The member services number on your insurance card.' },
    es: { label: 'Teléfono del seguro', help: 'El número de servicios para miembros de su tarjeta de seguro.' },
  },
  records_requested: {
    group: 'records',
    en: { label: 'Which records do you want?', help: 'Check the records to ask for. If you check none, the letter asks for the usual set.' },
    es: { label: '¿Qué expedientes quiere?', help: 'Marque los expedientes que quiere pedir. Si no marca ninguno, la carta pide el grupo habitual.' },
  },
  records_since: {
    group: 'records',
    en: { label: 'Records from this date on', help: 'Ask only for records from this date on. Leave it empty to ask for all of them.' },
    es: { label: 'Expedientes desde esta fecha', help: 'Pedir solo los expedientes desde esta fecha. Déjelo vacío para pedirlos todos.' },
  },
  records_delivery: {
    group: 'records',
    en: { label: 'Who gets the records?', help: 'If you named a second-opinion doctor, the records go to that doctor unless you choose yourself.' },
    es: { label: '¿Quién recibe los expedientes?', help: 'Si nombró a un médico de segunda opinión, los expedientes van a ese médico, a menos que se elija a usted.' },
  },
  records_format: {
    group: 'records',
    en: { label: 'Electronic or paper copies?', help: 'Electronic copies are the usual choice.' },
    es: { label: '¿Copias electrónicas o en papel?', help: 'Lo usual son las copias electrónicas.' },
  },
  my_questions: {
    group: 'questions',
    en: { label: 'Your own questions', help: 'Questions you want to ask at the visit. Use one box for each question.' },
    es: { label: 'Sus propias preguntas', help: 'Preguntas que quiere hacer en la visita. Use un cuadro para cada pregunta.' },
  },
};

// Words for the codes of choice fields (the values stay the codes).
export const CHOICE_WORDS = {
  reasons: {
    serious_diagnosis: { en: 'My diagnosis is serious', es: 'Mi diagnóstico es grave' },
    surgery_recommended: { en: 'I was told I need surgery', es: 'Me dijeron que necesito cirugía' },
    unclear_diagnosis: { en: 'My diagnosis is not clear', es: 'Mi diagnóstico no está claro' },
    rare_condition: { en: 'My condition is rare', es: 'Mi enfermedad es poco común' },
    treatment_not_working: { en: 'My treatment is not working', es: 'Mi tratamiento no funciona' },
    conflicts_with_priorities: { en: 'The plan does not fit my life or what matters to me', es: 'El plan no encaja con mi vida o con lo que me importa' },
    feel_unheard: { en: 'I do not feel heard', es: 'Siento que no me escuchan' },
    explore_options: { en: 'I want to know all my options', es: 'Quiero conocer todas mis opciones' },
  },
  records_requested: {
    clinic_notes: { en: 'Notes from visits', es: 'Notas de las consultas' },
    test_results: { en: 'Test results', es: 'Resultados de pruebas' },
    imaging_reports: { en: 'Imaging reports (X-ray, MRI, CT)', es: 'Informes de imágenes (rayos X, resonancia, tomografía)' },
    imaging_files: { en: 'The images themselves', es: 'Las imágenes mismas' },
    pathology_reports: { en: 'Pathology (lab tissue) reports', es: 'Informes de patología (tejidos)' },
    medication_list: { en: 'List of medicines', es: 'Lista de medicamentos' },
    procedure_history: { en: 'Past procedures and surgeries', es: 'Procedimientos y cirugías anteriores' },
    allergies: { en: 'Allergies', es: 'Alergias' },
    hospital_records: { en: 'Hospital records', es: 'Expedientes del hospital' },
    billing_records: { en: 'Billing records', es: 'Registros de facturación' },
  },
  records_delivery: {
    second_opinion_doctor: { en: 'The second-opinion doctor', es: 'El médico de la segunda opinión' },
    patient: { en: 'Me', es: 'Yo' },
  },
  records_format: {
    electronic: { en: 'Electronic', es: 'Electrónicas' },
    paper: { en: 'Paper', es: 'En papel' },
  },
  language: {
    en: { en: 'English', es: 'Inglés' },
    es: { en: 'Spanish', es: 'Español' },
  },
};

// Every other word on the page.
export const UI = {
  en: {
    title: 'Second opinion packet',
    lead: 'Answer the questions below. The page makes a packet of papers to help you get a second medical opinion: a letter asking for your records, a script for calling your insurance, questions for your visit, and more.',
    privacy: 'Your answers stay on this computer. Nothing you type is sent anywhere: this page makes your packet right here.',
    loading: 'Loading…',
    loading_core: 'Loading the packet maker',
    loading_of: (got, total) => `${got} of ${total} MB`,
    loading_got: (got) => `${got} MB`,
    starting: 'Starting…',
    no_server: 'This page needs to be opened from a web address (for example, your clinic’s website), not as a file. If this message does not go away, ask your clinic for the link.',
    load_failed: 'The page could not start. Try reloading it.',
    load_failed_network: 'The page could not download what it needs to make packets. Check the internet connection, then reload the page.',
    load_failed_memory: 'This device ran out of memory while starting the packet maker. Close other tabs and apps, then reload the page.',
    browser_too_old: 'This browser is too old to make the packet. Update it (Chrome or Edge 91, Firefox 89, Safari 16.4 or later) or open this page in another browser. You can still fill in the form and save your answers.',
    words_missing: 'The page cannot start: some form fields have no words. Tell the people who set up this page.',
    mode_patient: 'For patients',
    mode_clinic: 'For clinics',
    options: 'Options',
    page_language: 'Language',
    large_print: 'Large print (bigger letters on the papers)',
    paper: 'Paper size',
    paper_letter: 'US Letter',
    paper_a4: 'A4',
    paper_default: 'From the clinic profile, else US Letter',
    group_about: 'About you',
    group_doctors: 'Your doctors',
    group_diagnosis: 'Your diagnosis and why you want a second opinion',
    group_records: 'Your medical records',
    group_insurance: 'Your insurance',
    group_questions: 'Your own questions',
    required: 'required',
    required_note: 'Fields marked “required” must be filled in. Everything else can stay empty.',
    example: 'Example:',
    none_chosen: 'Not chosen',
    same_as_page: 'Same as this page',
    add_row: 'Add a question',
    remove_row: 'Remove',
    row_label: 'Question {n}',
    make_packet: 'Make my packet',
    make_pdf: 'Make packet.pdf only (to print)',
    save: 'Save my answers',
    open: 'Open saved answers',
    working: 'Making your packet…',
    done_zip: 'Your packet is ready: {name}. Look in your downloads.',
    done_pdf: 'Your packet.pdf is ready. Look in your downloads.',
    saved: 'Your answers were saved as intake.json. Look in your downloads.',
    opened: 'Your saved answers are back in the form.',
    open_failed: 'That file could not be opened: {reason}',
    open_not_json: 'it is not a file of saved answers.',
    problems_title: 'Please fix these before making your packet:',
    problem_count: '{n} problem(s) to fix.',
    hint: 'How to fix it:',
    warning: 'Note:',
    clinic_lead: 'Make packets for many patients at once from a spreadsheet (xlsx, xls, ods), a CSV file or a JSON file. The files stay on this computer.',
    clinic_input: 'Patient file or files',
    clinic_input_help: 'A spreadsheet, CSV or JSON file with one patient per row.',
    clinic_profile: 'Clinic profile and logo (optional)',
    clinic_profile_help: 'Choose clinic.json, together with the logo file it names.',
    clinic_templates: 'Your own templates (optional)',
    clinic_templates_help: 'Choose a ZIP of templates, or a templates folder below.',
    clinic_templates_folder: 'Templates folder (optional)',
    template_files: '{n} file(s)',
    drop_here: 'You can also drop files on this box.',
    check_files: 'Check files',
    make_packets: 'Make packets',
    cancel: 'Cancel',
    cancelled: 'Stopped. No file was downloaded.',
    checking: 'Checking the files…',
    summary: '{good} of {records} records can be built.',
    no_problems: 'No problems found.',
    problems_found: '{n} problem(s) found:',
    col_file: 'File',
    col_place: 'Where',
    col_field: 'Column or field',
    col_problem: 'Problem',
    col_hint: 'How to fix it',
    progress: 'Packets made',
    progress_text: '{done} of {total} packets made',
    bundle_done: 'Done: all-packets.zip holds {total} packet(s) and report.csv. Look in your downloads.',
    bundle_done_parts: 'Done: {total} packets in {n} files, {first} to {last} (report.csv is in the last). Look in your downloads; if the browser asks, allow this page to download several files.',
    need_input: 'Choose a patient file first.',
    need_logo: 'The clinic profile names a logo file ({name}). Choose it together with clinic.json.',
    clinic_ok: 'Clinic profile read.',
    template_details: 'Details for whoever wrote the templates (in the words of the program that builds the papers)',
    failed: 'Something went wrong: {reason}',
    date_day: 'Day',
    date_month: 'Month',
    date_year: 'Year',
    date_example: 'For example: 3 14 1961 (month, day, year).',
    date_reads: 'This reads:',
    date_unreadable: 'These dates in the file are not written as year-month-day and were left empty; type them again: {fields}.',
    leave_warning: 'Your answers are not saved yet. Leave the page anyway?',
    bundling: 'Putting the packets into all-packets.zip…',
    building: 'Making the packets…',
    core_wait: 'The packet maker is still loading; this goes on by itself once it is ready.',
    start_title: 'What this page does',
    start_what: 'It makes a packet of papers for getting a second medical opinion: a letter asking for your records, a script for calling your insurance, questions for your visit, and more.',
    start_time: 'It takes about 10 to 15 minutes. You can save your answers and come back later.',
    start_ready: 'Have ready: your insurance card, the name of your doctor and clinic, and your diagnosis as your doctor wrote it.',
    start_private: 'Nothing is uploaded: the packet is made on this computer, and nothing is kept once you close the page.',
    clinic_start_limits: 'Limits: up to 100,000 rows per file and files up to 256 MB. Each packet is about half a megabyte; more than 2,000 packets come in several files of up to 2,000 each (10,000 rows make five files, 4.5 GB in all): make sure your downloads folder has room.',
    clinic_start_private: 'Nothing is uploaded: the files are read and the packets made on this computer.',
    clinic_start_form: 'Start from the blank intake spreadsheet (intake-form.xlsx): one column per question, and a second sheet that explains each column.',
    clinic_start_form_link: 'Download the blank intake spreadsheet',
  },
  es: {
    title: 'Paquete de segunda opinión',
    lead: 'Conteste las preguntas de abajo. La página hace un paquete de documentos para ayudarle a obtener una segunda opinión médica: una carta para pedir sus expedientes, un guion para llamar a su seguro, preguntas para su visita y más.',
    privacy: 'Sus respuestas se quedan en esta computadora. Nada de lo que escribe se envía a ningún lugar: esta página hace su paquete aquí mismo.',
    loading: 'Cargando…',
    loading_core: 'Cargando el programa que hace el paquete',
    loading_of: (got, total) => `${got} de ${total} MB`,
    loading_got: (got) => `${got} MB`,
    starting: 'Iniciando…',
    no_server: 'Esta página se debe abrir desde una dirección web (por ejemplo, el sitio de su clínica), no como archivo. Si este mensaje no desaparece, pida el enlace a su clínica.',
    load_failed: 'La página no pudo iniciar. Intente cargarla de nuevo.',
    load_failed_network: 'La página no pudo descargar lo que necesita para hacer los paquetes. Revise la conexión a internet y vuelva a cargar la página.',
    load_failed_memory: 'Este dispositivo se quedó sin memoria al iniciar el programa que hace el paquete. Cierre otras pestañas y aplicaciones, y vuelva a cargar la página.',
    browser_too_old: 'Este navegador es demasiado antiguo para hacer el paquete. Actualícelo (Chrome o Edge 91, Firefox 89, Safari 16.4 o posterior) o abra esta página en otro navegador. Puede seguir llenando el formulario y guardar sus respuestas.',
    words_missing: 'La página no puede iniciar: algunos campos no tienen palabras. Avise a quienes instalaron esta página.',
    mode_patient: 'Para pacientes',
    mode_clinic: 'Para clínicas',
    options: 'Opciones',
    page_language: 'Idioma',
    large_print: 'Letra grande (letras más grandes en los documentos)',
    paper: 'Tamaño del papel',
    paper_letter: 'Carta (EE. UU.)',
    paper_a4: 'A4',
    paper_default: 'El del perfil de la clínica, si no, Carta',
    group_about: 'Sobre usted',
    group_doctors: 'Sus médicos',
    group_diagnosis: 'Su diagnóstico y por qué quiere una segunda opinión',
    group_records: 'Sus expedientes médicos',
    group_insurance: 'Su seguro',
    group_questions: 'Sus propias preguntas',
    required: 'obligatorio',
    required_note: 'Los campos marcados “obligatorio” se deben llenar. Todo lo demás puede quedar vacío.',
    example: 'Ejemplo:',
    none_chosen: 'Sin elegir',
    same_as_page: 'El mismo de esta página',
    add_row: 'Agregar una pregunta',
    remove_row: 'Quitar',
    row_label: 'Pregunta {n}',
    make_packet: 'Hacer mi paquete',
    make_pdf: 'Hacer solo packet.pdf (para imprimir)',
    save: 'Guardar mis respuestas',
    open: 'Abrir respuestas guardadas',
    working: 'Haciendo su paquete…',
    done_zip: 'Su paquete está listo: {name}. Búsquelo en sus descargas.',
    done_pdf: 'Su packet.pdf está listo. Búsquelo en sus descargas.',
    saved: 'Sus respuestas se guardaron como intake.json. Búsquelo en sus descargas.',
    opened: 'Sus respuestas guardadas están otra vez en el formulario.',
    open_failed: 'No se pudo abrir ese archivo: {reason}',
    open_not_json: 'no es un archivo de respuestas guardadas.',
    problems_title: 'Corrija esto antes de hacer su paquete:',
    problem_count: '{n} problema(s) por corregir.',
    hint: 'Cómo corregirlo:',
    warning: 'Nota:',
    clinic_lead: 'Haga paquetes para muchos pacientes a la vez con una hoja de cálculo (xlsx, xls, ods), un archivo CSV o un archivo JSON. Los archivos se quedan en esta computadora.',
    clinic_input: 'Archivo o archivos de pacientes',
    clinic_input_help: 'Una hoja de cálculo, CSV o JSON con un paciente por fila.',
    clinic_profile: 'Perfil y logotipo de la clínica (opcional)',
    clinic_profile_help: 'Elija clinic.json junto con el archivo del logotipo que nombra.',
    clinic_templates: 'Sus propias plantillas (opcional)',
    clinic_templates_help: 'Elija un ZIP de plantillas, o una carpeta de plantillas abajo.',
    clinic_templates_folder: 'Carpeta de plantillas (opcional)',
    template_files: '{n} archivo(s)',
    drop_here: 'También puede soltar archivos en este cuadro.',
    check_files: 'Revisar archivos',
    make_packets: 'Hacer paquetes',
    cancel: 'Cancelar',
    cancelled: 'Detenido. No se descargó ningún archivo.',
    checking: 'Revisando los archivos…',
    summary: 'Se pueden hacer {good} de {records} registros.',
    no_problems: 'No se encontraron problemas.',
    problems_found: 'Se encontraron {n} problema(s):',
    col_file: 'Archivo',
    col_place: 'Dónde',
    col_field: 'Columna o campo',
    col_problem: 'Problema',
    col_hint: 'Cómo corregirlo',
    progress: 'Paquetes hechos',
    progress_text: '{done} de {total} paquetes hechos',
    bundle_done: 'Listo: all-packets.zip tiene {total} paquete(s) y report.csv. Búsquelo en sus descargas.',
    bundle_done_parts: 'Listo: {total} paquetes en {n} archivos, de {first} a {last} (report.csv está en el último). Búsquelos en sus descargas; si el navegador lo pregunta, permita que esta página descargue varios archivos.',
    need_input: 'Primero elija un archivo de pacientes.',
    need_logo: 'El perfil de la clínica nombra un logotipo ({name}). Elíjalo junto con clinic.json.',
    clinic_ok: 'Perfil de la clínica leído.',
    template_details: 'Detalles para quien escribió las plantillas (en las palabras del programa que arma los documentos, en inglés)',
    failed: 'Algo salió mal: {reason}',
    date_day: 'Día',
    date_month: 'Mes',
    date_year: 'Año',
    date_example: 'Por ejemplo: 14 3 1961 (día, mes, año).',
    date_reads: 'Se lee:',
    date_unreadable: 'Estas fechas del archivo no están escritas como año-mes-día y quedaron vacías; escríbalas otra vez: {fields}.',
    leave_warning: 'Sus respuestas todavía no están guardadas. ¿Salir de la página de todos modos?',
    bundling: 'Juntando los paquetes en all-packets.zip…',
    building: 'Haciendo los paquetes…',
    core_wait: 'El programa que hace los paquetes todavía se está cargando; esto seguirá solo cuando esté listo.',
    start_title: 'Qué hace esta página',
    start_what: 'Hace un paquete de documentos para obtener una segunda opinión médica: una carta para pedir sus expedientes, un guion para llamar a su seguro, preguntas para su visita y más.',
    start_time: 'Toma unos 10 a 15 minutos. Puede guardar sus respuestas y seguir más tarde.',
    start_ready: 'Tenga a mano: su tarjeta del seguro, el nombre de su médico y de su clínica, y su diagnóstico tal como lo escribió su médico.',
    start_private: 'No se sube nada: el paquete se hace en esta computadora y nada se guarda cuando cierra la página.',
    clinic_start_limits: 'Límites: hasta 100 000 filas por archivo y archivos de hasta 256 MB. Cada paquete ocupa cerca de medio megabyte; más de 2000 paquetes llegan en varios archivos de hasta 2000 cada uno (10 000 filas dan cinco archivos, 4,5 GB en total): asegúrese de que su carpeta de descargas tenga espacio.',
    clinic_start_private: 'No se sube nada: los archivos se leen y los paquetes se hacen en esta computadora.',
    clinic_start_form: 'Empiece con la hoja de cálculo en blanco (intake-form.xlsx): una columna por pregunta y una segunda hoja que explica cada columna (en inglés, como los nombres de las columnas).',
    clinic_start_form_link: 'Descargar la hoja de cálculo en blanco',
  },
};

// Checks that the words cover exactly the given field names; returns the
// list of mismatches (empty when all is well).
export function wordGaps(fieldNames) {
  const gaps = [];
  for (const name of fieldNames) {
    const w = FIELD_WORDS[name];
    if (!w) { gaps.push(`field ${name} has no words`); continue; }
    if (!GROUPS.includes(w.group)) gaps.push(`field ${name} has an unknown group`);
    for (const lang of LANGUAGES) {
      if (!w[lang] || !w[lang].label || !w[lang].help) gaps.push(`field ${name} has no ${lang} label or help`);
    }
  }
  for (const name of Object.keys(FIELD_WORDS)) {
    if (!fieldNames.includes(name)) gaps.push(`words name ${name}, which is not a field`);
  }
  for (const key of Object.keys(UI.en)) {
    if (!(key in UI.es)) gaps.push(`UI word ${key} has no es text`);
  }
  for (const key of Object.keys(UI.es)) {
    if (!(key in UI.en)) gaps.push(`UI word ${key} has no en text`);
  }
  return gaps;
}

export function choiceGaps(fields) {
  const gaps = [];
  for (const f of fields) {
    if (!f.choices) continue;
    const words = CHOICE_WORDS[f.name] || {};
    for (const code of f.choices) {
      for (const lang of LANGUAGES) {
        if (!words[code] || !words[code][lang]) gaps.push(`choice ${f.name}=${code} has no ${lang} words`);
      }
    }
  }
  return gaps;
}

// ---------------------------------------------------------------- problems

// How each language quotes a name the person wrote (a column header, a key).
const QUOTE = { en: (t) => `“${t}”`, es: (t) => `«${t}»` };

function orList(items, lang) {
  const or = lang === 'es' ? ' o ' : ' or ';
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')}${or}${items[items.length - 1]}`;
}

/** A field's label in a language, quoted; the name itself only if it has no words. */
function fieldLabel(name, lang) {
  return QUOTE[lang](FIELD_WORDS[name] ? FIELD_WORDS[name][lang].label : name);
}

/** The allowed codes of a choice: their words on the patient page, the codes themselves (what a sheet's cell must hold) in clinic mode. */
function choiceList(field, codes, lang, ctx) {
  const words = (codes || []).map((c) => (!ctx.clinic && CHOICE_WORDS[field] && CHOICE_WORDS[field][c] ? QUOTE[lang](CHOICE_WORDS[field][c][lang]) : QUOTE[lang](c)));
  return orList(words, lang);
}

/** How to write a date: the boxes on the patient page, the accepted ways in a file otherwise. */
function dateHow(p, lang, ctx) {
  if (ctx.boxes) {
    return lang === 'es'
      ? 'Revise el día, el mes y el año en los cuadros: los tres deben estar llenos, el año con sus cuatro cifras, y el día debe existir en ese mes.'
      : 'Check the day, month and year in the boxes: all three must be filled in, the year with all four digits, and the day must exist in that month.';
  }
  const other = {
    month_first: { en: ' or month/day/year (3/14/1961)', es: ' o mes/día/año (3/14/1961)' },
    day_first: { en: ' or day/month/year (14/3/1961)', es: ' o día/mes/año (14/3/1961)' },
  }[p.order];
  return lang === 'es'
    ? `Escriba la fecha como año-mes-día (1961-03-14)${other ? other.es : ''}.`
    : `Write the date as year-month-day (1961-03-14)${other ? other.en : ''}.`;
}

/** "neither A nor B is filled in", for the fields a record warning names. */
function missingFields(fields, lang) {
  const names = (fields || []).map((n) => fieldLabel(n, lang));
  if (lang === 'es') {
    if (names.length === 1) return `${names[0]} está vacío`;
    return `no están llenos ni ${names.join(' ni ')}`;
  }
  if (names.length === 1) return `${names[0]} is empty`;
  return `neither ${names.join(' nor ')} is filled in`;
}

const EXPECTED = {
  text: { en: 'text', es: 'texto' },
  date: { en: 'a date', es: 'una fecha' },
  choice: { en: 'one of the choices', es: 'una de las opciones' },
  choices: { en: 'a list of the choices', es: 'una lista de las opciones' },
  texts: { en: 'a list of texts', es: 'una lista de textos' },
};

const FOUND = {
  true_false: { en: 'true/false', es: 'verdadero/falso' },
  number: { en: 'a number', es: 'un número' },
  date: { en: 'a date', es: 'una fecha' },
  list: { en: 'a list', es: 'una lista' },
  other: { en: 'something that cannot be read', es: 'algo que no se puede leer' },
};

const pick = (table, key, lang, fallback) => (table[key] || table[fallback])[lang];

const ASK_SETUP = {
  en: 'tell whoever set up this page, giving the row or record number, never the patient’s data.',
  es: 'avise a quien instaló esta página, con el número de fila o de registro, nunca los datos del paciente.',
};

// ------------------------------------------------ words for whole files

/** A file name's ending as the core gives it (`xlsx`), written `.xlsx`. */
const dot = (ext) => (ext ? `.${ext}` : 'another ending');

/** "A, B and C" / "A, B y C". */
function andList(items, lang) {
  const and = lang === 'es' ? ' y ' : ' and ';
  const list = items || [];
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')}${and}${list[list.length - 1]}`;
}

/** Fields by their labels, quoted: what a clinic's column stands for. */
const labels = (fields, lang) => andList((fields || []).map((f) => fieldLabel(f, lang)), lang);

/** A number in the language's way of writing it ("100,000", "100.000"). */
const num = (n, lang) => (typeof n === 'number' ? n.toLocaleString(lang === 'es' ? 'es' : 'en-US') : String(n ?? ''));

/** Pixels in millions, one decimal ("16.8", "16,8"). */
const millions = (n, lang) => (typeof n === 'number' ? (n / 1e6).toLocaleString(lang === 'es' ? 'es' : 'en-US', { maximumFractionDigits: 1 }) : '');

// The blank intake spreadsheet clinic mode offers: its first row holds the
// column names a sheet must have (the page never names them itself).
const BLANK_SHEET = {
  en: 'the blank intake spreadsheet (intake-form.xlsx)',
  es: 'la hoja de cálculo en blanco (intake-form.xlsx)',
};

// The patient page's own file: the one "Save my answers" wrote.
const YOUR_FILE = {
  en: `Choose the file you saved with “${UI.en.save}” (intake.json).`,
  es: `Elija el archivo que guardó con «${UI.es.save}» (intake.json).`,
};

const READABLE = {
  en: 'Use an Excel workbook (.xlsx, .xlsm, .xlsb, .xls), a LibreOffice spreadsheet (.ods), a CSV file (.csv, .tsv, .txt) or a JSON file (.json).',
  es: 'Use un libro de Excel (.xlsx, .xlsm, .xlsb, .xls), una hoja de cálculo de LibreOffice (.ods), un archivo CSV (.csv, .tsv, .txt) o un archivo JSON (.json).',
};

const RESAVE = {
  en: 'Open it in Excel or LibreOffice and save a new copy, or save the sheet as CSV UTF-8.',
  es: 'Ábrala en Excel o LibreOffice y guarde una copia nueva, o guarde la hoja como CSV UTF-8.',
};

const SAVE_CSV = {
  en: 'Save the file again from the spreadsheet program: in Excel as “CSV UTF-8 (Comma delimited)”, in LibreOffice as CSV with the character set “Unicode (UTF-8)”.',
  es: 'Guarde el archivo otra vez desde el programa de hoja de cálculo: en Excel como «CSV UTF-8 (delimitado por comas)», en LibreOffice como CSV con el juego de caracteres «Unicode (UTF-8)».',
};

const RIGHT_OF_TABLE = {
  en: 'Delete the columns to the right of the patient table, or copy the table alone into a new file.',
  es: 'Borre las columnas que están a la derecha de la tabla de pacientes, o copie solo la tabla en un archivo nuevo.',
};

// The page reads a workbook's first visible sheet (it has no way to choose
// another): when there are several, say so.
const FIRST_SHEET = {
  en: (p) => (p.sheets > 1 ? ' The page reads the first visible sheet: move the patients there, or hide or delete the sheets in front of it.' : ''),
  es: (p) => (p.sheets > 1 ? ' La página lee la primera hoja visible: pase los pacientes a esa hoja, u oculte o borre las hojas que están antes.' : ''),
};

const PROFILE_KEYS = {
  en: 'A clinic profile takes the entries name (which it needs), address, phone, fax, website, contact, logo and paper, in JSON.',
  es: 'Un perfil de clínica acepta las entradas name (obligatoria), address, phone, fax, website, contact, logo y paper, en JSON.',
};

// What is wrong at the place a JSON file breaks (the core's `problem`).
const JSON_PROBLEM = {
  ends_early: { en: 'the file ends too early: a closing bracket, brace or quote is missing', es: 'el archivo termina antes de tiempo: falta un corchete, una llave o unas comillas de cierre' },
  colon: { en: 'a colon (:) is missing after a name', es: 'faltan los dos puntos (:) después de un nombre' },
  comma_or_bracket: { en: 'a comma (,) or a closing bracket (]) is missing', es: 'falta una coma (,) o un corchete de cierre (])' },
  comma_or_brace: { en: 'a comma (,) or a closing brace (}) is missing', es: 'falta una coma (,) o una llave de cierre (})' },
  value: { en: 'a value is missing, or is not written as JSON', es: 'falta un valor, o no está escrito como JSON' },
  quote: { en: 'a quote (") is missing', es: 'faltan unas comillas (")' },
  trailing_comma: { en: 'there is a comma (,) with nothing after it', es: 'hay una coma (,) sin nada después' },
  trailing_characters: { en: 'there is more text after the end of the data', es: 'hay más texto después del final de los datos' },
  key_not_text: { en: 'a name is not written in quotes', es: 'un nombre no está entre comillas' },
  number: { en: 'a number is not written correctly', es: 'un número no está bien escrito' },
  text: { en: 'a text holds a character or an escape that JSON does not allow', es: 'un texto tiene un carácter o una secuencia de escape que JSON no permite' },
  too_deep: { en: 'the data is nested too deeply to be an intake form', es: 'los datos están anidados a demasiada profundidad para ser un formulario' },
  unreadable: { en: 'the file could not be read to the end', es: 'no se pudo leer el archivo hasta el final' },
  other: { en: 'this is not valid JSON', es: 'esto no es JSON válido' },
};

// Words for every code the core gives: a record's problem or warning, a
// reader's warning about a whole file, and an error that stops a file (or
// the run). Each language has a message (what is wrong, said after the
// field's name when the problem has a field) and a hint (how to fix it), as
// text or as a function of the code's parameters and the context ({ field,
// fields, clinic, boxes }). They never hold a value: the core sends none.
// Codes only the command line meets are worded too, plainly: one table, one
// check.
export const PROBLEM_WORDS = {
  duplicate_field: {
    en: { message: 'is given more than once', hint: 'Keep only one value for it.' },
    es: { message: 'aparece más de una vez', hint: 'Deje un solo valor.' },
  },
  required: {
    en: { message: 'is required but empty', hint: (p, c) => (c.boxes ? 'Type the day, the month and the year in the boxes.' : c.clinic ? 'Fill it in for this patient.' : 'Fill it in.') },
    es: { message: 'es obligatorio y está vacío', hint: (p, c) => (c.boxes ? 'Escriba el día, el mes y el año en los cuadros.' : c.clinic ? 'Complételo para este paciente.' : 'Complételo.') },
  },
  unknown_fields: {
    en: {
      message: (p) => {
        const names = (p.names || []).map(QUOTE.en);
        const total = names.length + (p.unnamed || 0);
        const more = names.length && p.unnamed ? ` and ${p.unnamed} more` : '';
        return `This record has ${total === 1 ? 'a field' : 'fields'} the page does not know${names.length ? `: ${names.join(', ')}${more}` : ''}`;
      },
      hint: (p) => {
        const meant = (p.suggestions || []).map((n) => fieldLabel(n, 'en'));
        return `Check the spelling${meant.length ? ` (did you mean ${orList(meant, 'en')}?)` : ''}, or remove what is not a field; a misspelled field would leave its answer out of the papers.`;
      },
    },
    es: {
      message: (p) => {
        const names = (p.names || []).map(QUOTE.es);
        const total = names.length + (p.unnamed || 0);
        const more = names.length && p.unnamed ? ` y ${p.unnamed} más` : '';
        return `Este registro tiene ${total === 1 ? 'un campo' : 'campos'} que la página no conoce${names.length ? `: ${names.join(', ')}${more}` : ''}`;
      },
      hint: (p) => {
        const meant = (p.suggestions || []).map((n) => fieldLabel(n, 'es'));
        return `Revise cómo está escrito${meant.length ? ` (¿quiso decir ${orList(meant, 'es')}?)` : ''}, o quite lo que no sea un campo; un campo mal escrito dejaría su respuesta fuera de los documentos.`;
      },
    },
  },
  wrong_kind: {
    en: {
      message: (p) => `holds ${pick(FOUND, p.found, 'en', 'other')}, not ${pick(EXPECTED, p.expected, 'en', 'text')}`,
      hint: (p, c) => (p.expected === 'date' ? dateHow(p, 'en', c) : `Write ${pick(EXPECTED, p.expected, 'en', 'text')} instead.`),
    },
    es: {
      message: (p) => `tiene ${pick(FOUND, p.found, 'es', 'other')}, no ${pick(EXPECTED, p.expected, 'es', 'text')}`,
      hint: (p, c) => (p.expected === 'date' ? dateHow(p, 'es', c) : `Escriba ${pick(EXPECTED, p.expected, 'es', 'text')} en su lugar.`),
    },
  },
  date_is_number: {
    en: { message: 'is a number, not a date', hint: 'Write the date as text in quotes, as year-month-day, for example "1961-03-14".' },
    es: { message: 'es un número, no una fecha', hint: 'Escriba la fecha como texto entre comillas, como año-mes-día, por ejemplo "1961-03-14".' },
  },
  code_is_number: {
    en: { message: 'is written as a number, which loses zeros at the start and long numbers', hint: 'Put it in quotes so that it is kept exactly as printed, for example "00482913".' },
    es: { message: 'está escrito como número, y así se pierden los ceros del principio y las cifras largas', hint: 'Póngalo entre comillas para que se guarde tal como aparece, por ejemplo "00482913".' },
  },
  private_use_characters: {
    en: { message: 'has special symbols that only the program they came from can show; they would print as something else', hint: 'Type it again, or paste it as plain text.' },
    es: { message: 'tiene símbolos especiales que solo puede mostrar el programa de donde vienen; se imprimirían como otra cosa', hint: 'Escríbalo otra vez, o péguelo como texto simple.' },
  },
  control_characters: {
    en: { message: 'has invisible characters in it', hint: 'Type it again, or paste it as plain text.' },
    es: { message: 'tiene caracteres invisibles', hint: 'Escríbalo otra vez, o péguelo como texto simple.' },
  },
  unprintable_characters: {
    en: { message: 'has letters the papers cannot print (they print Latin letters with accents, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic; not Chinese, Japanese, Korean, Thai, Devanagari or most emoji)', hint: 'Write it in Latin letters, for example a name spelled out in Latin letters.' },
    es: { message: 'tiene letras que los documentos no pueden imprimir (imprimen letras latinas con acentos, griego, cirílico, armenio, georgiano, hebreo y árabe; no chino, japonés, coreano, tailandés, devanagari ni la mayoría de los emojis)', hint: 'Escríbalo con letras latinas, por ejemplo un nombre transcrito a letras latinas.' },
  },
  too_many_lines: {
    en: { message: (p) => `has more than ${p.max} lines`, hint: 'Shorten it to the lines an envelope needs.' },
    es: { message: (p) => `tiene más de ${p.max} líneas`, hint: 'Acórtelo a las líneas que necesita un sobre.' },
  },
  too_long: {
    en: { message: (p) => `is longer than ${p.max} characters`, hint: 'Shorten it: the papers have one line for it.' },
    es: { message: (p) => `tiene más de ${p.max} caracteres`, hint: 'Acórtelo: los documentos tienen una sola línea para esto.' },
  },
  not_an_email: {
    en: { message: 'does not look like an e-mail address', hint: 'Write it like name@example.org, or leave it empty.' },
    es: { message: 'no parece una dirección de correo electrónico', hint: 'Escríbala como nombre@ejemplo.org, o déjela vacía.' },
  },
  not_a_choice: {
    en: { message: 'is not one of the choices', hint: (p, c) => `Use one of these: ${choiceList(c.field, p.choices, 'en', c)}.` },
    es: { message: 'no es una de las opciones', hint: (p, c) => `Use una de estas: ${choiceList(c.field, p.choices, 'es', c)}.` },
  },
  entry_not_a_choice: {
    en: { message: (p) => `entry ${p.entry} is not one of the choices`, hint: (p, c) => `Use only these: ${choiceList(c.field, p.choices, 'en', c)}.` },
    es: { message: (p) => `la entrada ${p.entry} no es una de las opciones`, hint: (p, c) => `Use solo estas: ${choiceList(c.field, p.choices, 'es', c)}.` },
  },
  entry_too_long: {
    en: { message: (p) => `has an entry longer than ${p.max} characters`, hint: 'Split it into shorter questions.' },
    es: { message: (p) => `tiene una entrada de más de ${p.max} caracteres`, hint: 'Divídala en preguntas más cortas.' },
  },
  too_many_entries: {
    en: { message: (p) => `has more than ${p.max} entries`, hint: 'Keep the most important ones; there is room to add more by hand.' },
    es: { message: (p) => `tiene más de ${p.max} entradas`, hint: 'Deje las más importantes; hay espacio para agregar más a mano.' },
  },
  not_a_real_date: {
    en: { message: 'is not a real calendar date', hint: (p, c) => dateHow(p, 'en', c) },
    es: { message: 'no es una fecha real del calendario', hint: (p, c) => dateHow(p, 'es', c) },
  },
  not_a_date: {
    en: { message: 'is not a date that can be read', hint: (p, c) => dateHow(p, 'en', c) },
    es: { message: 'no es una fecha que se pueda leer', hint: (p, c) => dateHow(p, 'es', c) },
  },
  year_out_of_range: {
    en: { message: (p) => `has a year before ${p.min} or after ${p.max}`, hint: 'Check the year; it is probably a typing mistake.' },
    es: { message: (p) => `tiene un año anterior a ${p.min} o posterior a ${p.max}`, hint: 'Revise el año; seguramente es un error al escribir.' },
  },
  after_today: {
    en: {
      message: 'is after today’s date',
      hint: (p, c) => (c.field === 'date_of_birth' ? 'Check the year of birth.'
        : c.field === 'records_since' ? 'Use a date in the past, or leave it empty to ask for all records.' : 'Use a date in the past.'),
    },
    es: {
      message: 'es posterior a la fecha de hoy',
      hint: (p, c) => (c.field === 'date_of_birth' ? 'Revise el año de nacimiento.'
        : c.field === 'records_since' ? 'Use una fecha pasada, o déjela vacía para pedir todos los expedientes.' : 'Use una fecha pasada.'),
    },
  },
  delivery_without_doctor: {
    en: {
      message: (p) => `asks to send the records to the second-opinion doctor, but ${fieldLabel(p.needs || 'second_opinion_doctor', 'en')} is empty`,
      hint: (p, c) => (c.clinic ? `Fill in ${fieldLabel(p.needs || 'second_opinion_doctor', 'en')}, or write “patient” here.`
        : `Fill in ${fieldLabel(p.needs || 'second_opinion_doctor', 'en')}, or choose ${QUOTE.en(CHOICE_WORDS.records_delivery.patient.en)} under ${fieldLabel('records_delivery', 'en')}.`),
    },
    es: {
      message: (p) => `pide enviar los expedientes al médico de la segunda opinión, pero ${fieldLabel(p.needs || 'second_opinion_doctor', 'es')} está vacío`,
      hint: (p, c) => (c.clinic ? `Llene ${fieldLabel(p.needs || 'second_opinion_doctor', 'es')}, o escriba «patient» aquí.`
        : `Llene ${fieldLabel(p.needs || 'second_opinion_doctor', 'es')}, o elija ${QUOTE.es(CHOICE_WORDS.records_delivery.patient.es)} en ${fieldLabel('records_delivery', 'es')}.`),
    },
  },
  language_without_templates: {
    en: { message: 'is a language the papers are not written in', hint: (p, c) => `Use one of these: ${choiceList('language', p.choices, 'en', c)}.` },
    es: { message: 'es un idioma en que no están escritos los documentos', hint: (p, c) => `Use uno de estos: ${choiceList('language', p.choices, 'es', c)}.` },
  },
  packet_too_long: {
    en: { message: (p) => `This packet came out longer than ${p.max} pages`, hint: `Check this patient’s answers for very long text; if they look normal, ${ASK_SETUP.en}` },
    es: { message: (p) => `Este paquete salió con más de ${p.max} páginas`, hint: `Revise si las respuestas de este paciente tienen textos muy largos; si parecen normales, ${ASK_SETUP.es}` },
  },
  document_failed: {
    en: { message: 'One of the papers of this packet could not be made', hint: `Check this patient’s answers for unusual characters; if they look normal, ${ASK_SETUP.en}` },
    es: { message: 'Uno de los documentos de este paquete no se pudo hacer', hint: `Revise si las respuestas de este paciente tienen caracteres raros; si parecen normales, ${ASK_SETUP.es}` },
  },
  documents_not_apart: {
    en: { message: 'The papers of this packet could not be told apart', hint: `The templates may need fixing: ${ASK_SETUP.en}` },
    es: { message: 'No se pudieron separar los documentos de este paquete', hint: `Puede que haya que corregir las plantillas: ${ASK_SETUP.es}` },
  },
  zip_failed: {
    en: { message: 'The papers could not be put into a ZIP file', hint: 'Try again; if it happens again, tell whoever set up this page.' },
    es: { message: 'No se pudieron juntar los documentos en un archivo ZIP', hint: 'Intente otra vez; si vuelve a pasar, avise a quien instaló esta página.' },
  },
  zip_unreadable: {
    en: { message: 'The finished ZIP file did not read back correctly', hint: 'Try again; if it happens again, tell whoever set up this page.' },
    es: { message: 'El archivo ZIP terminado no se pudo volver a leer bien', hint: 'Intente otra vez; si vuelve a pasar, avise a quien instaló esta página.' },
  },
  not_an_object: {
    en: { message: 'This patient is not written as a set of fields', hint: 'Write each patient as a JSON object, between { and }, with one key per field.' },
    es: { message: 'Este paciente no está escrito como un conjunto de campos', hint: 'Escriba cada paciente como un objeto JSON, entre { y }, con una clave por campo.' },
  },
  ragged_line: {
    en: { message: (p) => `This line has ${p.found} fields, but the header line has ${p.expected}`, hint: 'Check this line’s quotes and separators: a value that holds the separator or a line break must be in double quotes.' },
    es: { message: (p) => `Esta línea tiene ${p.found} campos, pero la línea de encabezados tiene ${p.expected}`, hint: 'Revise las comillas y los separadores de esta línea: un valor que contiene el separador o un salto de línea debe ir entre comillas dobles.' },
  },
  not_built: {
    en: { message: 'This packet was not made: the run stopped before it', hint: 'Run again with the same files.' },
    es: { message: 'Este paquete no se hizo: el proceso se detuvo antes de llegar a él', hint: 'Vuelva a empezar con los mismos archivos.' },
  },
  write_failed: {
    en: { message: 'This packet could not be saved', hint: 'Check where it is saved and the free space, then try again.' },
    es: { message: 'No se pudo guardar este paquete', hint: 'Revise dónde se guarda y el espacio libre, y vuelva a intentarlo.' },
  },
  build_stopped: {
    en: { message: 'Making this packet stopped unexpectedly', hint: `The other packets were made; ${ASK_SETUP.en}` },
    es: { message: 'La preparación de este paquete se detuvo de forma inesperada', hint: `Los demás paquetes se hicieron; ${ASK_SETUP.es}` },
  },
  more_than_one_patient: {
    en: { message: 'The form holds more than one patient', hint: 'Make one patient’s packet at a time here, or use the clinic mode.' },
    es: { message: 'El formulario tiene más de un paciente', hint: 'Haga aquí el paquete de un paciente a la vez, o use el modo para clínicas.' },
  },
  doctor_without_address_or_fax: {
    en: {
      message: (p, c) => `The records go to the second-opinion doctor, but ${missingFields(c.fields, 'en')}`,
      hint: 'Add one or both, or fill in the blanks on the letter by hand before signing it.',
    },
    es: {
      message: (p, c) => `Los expedientes van al médico de la segunda opinión, pero ${missingFields(c.fields, 'es')}`,
      hint: 'Agregue uno o los dos, o llene a mano los espacios en blanco de la carta antes de firmarla.',
    },
  },
  more_record_warnings: {
    en: { message: (p) => `${p.count} more records have a note like those above`, hint: 'Check the second-opinion doctor’s address and fax in each record.' },
    es: { message: (p) => `${p.count} registros más tienen una nota como las de arriba`, hint: 'Revise la dirección y el fax del médico de la segunda opinión en cada registro.' },
  },

  // ------------------------------------------------ what a reader noticed

  read_as_workbook: {
    en: { message: (p) => `The name of this file ends in ${dot(p.ext)}, but it is a spreadsheet${p.format ? ` (.${p.format})` : ''}; it was read as one`, hint: (p) => `If the patients were read correctly, there is nothing to do; to avoid mix-ups, rename the file to end in .${p.format || 'xlsx'}.` },
    es: { message: (p) => `El nombre de este archivo termina en ${dot(p.ext)}, pero es una hoja de cálculo${p.format ? ` (.${p.format})` : ''}; se leyó como tal`, hint: (p) => `Si los pacientes se leyeron bien, no hace falta hacer nada; para evitar confusiones, cambie el nombre del archivo para que termine en .${p.format || 'xlsx'}.` },
  },
  read_as_csv: {
    en: { message: (p) => `The name of this file ends in ${dot(p.ext)}, but it holds CSV text; it was read as CSV`, hint: 'If the patients were read correctly, there is nothing to do; to avoid mix-ups, rename the file to end in .csv.' },
    es: { message: (p) => `El nombre de este archivo termina en ${dot(p.ext)}, pero contiene texto CSV; se leyó como CSV`, hint: 'Si los pacientes se leyeron bien, no hace falta hacer nada; para evitar confusiones, cambie el nombre del archivo para que termine en .csv.' },
  },
  ignored_columns: {
    en: {
      message: (p) => {
        const n = p.count || 0;
        const letters = (p.columns || []).length ? ` (${(p.columns || []).length === 1 ? 'column' : 'columns'} ${andList(p.columns, 'en')}${n > p.columns.length ? ' and more' : ''})` : '';
        const names = (p.names || []).length ? `: ${p.names.map(QUOTE.en).join(', ')}` : '';
        return `${n === 1 ? 'One column was' : `${n} columns were`} not read${letters}, because ${n === 1 ? 'its header is' : 'their headers are'} not a column of the intake spreadsheet${names}`;
      },
      hint: `If one of them should be read, rename its header as in ${BLANK_SHEET.en}.`,
    },
    es: {
      message: (p) => {
        const n = p.count || 0;
        const letters = (p.columns || []).length ? ` (${(p.columns || []).length === 1 ? 'columna' : 'columnas'} ${andList(p.columns, 'es')}${n > p.columns.length ? ' y otras' : ''})` : '';
        const names = (p.names || []).length ? `: ${p.names.map(QUOTE.es).join(', ')}` : '';
        return `${n === 1 ? 'No se leyó una columna' : `No se leyeron ${n} columnas`}${letters}, porque ${n === 1 ? 'su encabezado no es' : 'sus encabezados no son'} una columna de la hoja de pacientes${names}`;
      },
      hint: `Si alguna se debe leer, cambie su encabezado como en ${BLANK_SHEET.es}.`,
    },
  },

  // ------------------------------------------- a file that cannot be read

  file_empty: {
    en: { message: 'This file is empty', hint: (p, c) => (c.clinic ? 'Choose the file that holds the patients.' : YOUR_FILE.en) },
    es: { message: 'Este archivo está vacío', hint: (p, c) => (c.clinic ? 'Elija el archivo que tiene los pacientes.' : YOUR_FILE.es) },
  },
  not_a_workbook: {
    en: {
      message: (p) => ({
        web_page: `The name of this file ends in ${dot(p.ext)}, but it is a web page (HTML or XML), not a spreadsheet`,
        zip: 'This file is a ZIP archive, not a spreadsheet',
        word: 'This file is a Word document, not a spreadsheet',
        powerpoint: 'This file is a PowerPoint presentation, not a spreadsheet',
        opendocument: 'This file is an OpenDocument file, such as a text document, but not a spreadsheet',
      }[p.found] || `The name of this file ends in ${dot(p.ext)}, but it is not a spreadsheet: it may be damaged, or another kind of file that was renamed`),
      hint: (p) => (p.found === 'web_page' ? 'Open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx) or as CSV UTF-8.'
        : p.found === 'unknown' || !p.found ? 'Open the original in Excel or LibreOffice and save it again as an Excel workbook (.xlsx).' : READABLE.en),
    },
    es: {
      message: (p) => ({
        web_page: `El nombre de este archivo termina en ${dot(p.ext)}, pero es una página web (HTML o XML), no una hoja de cálculo`,
        zip: 'Este archivo es un archivo ZIP, no una hoja de cálculo',
        word: 'Este archivo es un documento de Word, no una hoja de cálculo',
        powerpoint: 'Este archivo es una presentación de PowerPoint, no una hoja de cálculo',
        opendocument: 'Este archivo es un archivo OpenDocument, como un documento de texto, pero no una hoja de cálculo',
      }[p.found] || `El nombre de este archivo termina en ${dot(p.ext)}, pero no es una hoja de cálculo: puede estar dañado, o ser otro tipo de archivo con el nombre cambiado`),
      hint: (p) => (p.found === 'web_page' ? 'Ábralo en Excel o LibreOffice y guárdelo como libro de Excel (.xlsx) o como CSV UTF-8.'
        : p.found === 'unknown' || !p.found ? 'Abra el original en Excel o LibreOffice y guárdelo otra vez como libro de Excel (.xlsx).' : READABLE.es),
    },
  },
  unknown_format: {
    en: { message: (p) => (p.ext ? `Files whose name ends in .${p.ext} cannot be read` : 'This file’s name has no ending such as .xlsx or .csv, and it is not a spreadsheet or a JSON file, so it cannot be read'), hint: (p, c) => (c.clinic ? READABLE.en : YOUR_FILE.en) },
    es: { message: (p) => (p.ext ? `No se pueden leer archivos cuyo nombre termina en .${p.ext}` : 'El nombre de este archivo no termina en algo como .xlsx o .csv, y no es una hoja de cálculo ni un archivo JSON, así que no se puede leer'), hint: (p, c) => (c.clinic ? READABLE.es : YOUR_FILE.es) },
  },
  text_named_as_workbook: {
    en: { message: (p) => `The name of this file ends in ${dot(p.ext)}, but it is not a spreadsheet: it holds plain text, which cannot be read as CSV either`, hint: 'Open the original spreadsheet in Excel or LibreOffice and save it again as an Excel workbook (.xlsx); if the text is meant to be CSV, rename the file to end in .csv.' },
    es: { message: (p) => `El nombre de este archivo termina en ${dot(p.ext)}, pero no es una hoja de cálculo: contiene texto simple, que tampoco se puede leer como CSV`, hint: 'Abra la hoja de cálculo original en Excel o LibreOffice y guárdela otra vez como libro de Excel (.xlsx); si el texto debe ser CSV, cambie el nombre del archivo para que termine en .csv.' },
  },
  workbook_incomplete: {
    en: { message: 'This spreadsheet is incomplete or damaged (it may have been cut off while it was copied or downloaded)', hint: 'Copy or download it again; if it still cannot be read, open it in Excel or LibreOffice and save a new copy.' },
    es: { message: 'Esta hoja de cálculo está incompleta o dañada (puede que se haya cortado al copiarla o descargarla)', hint: 'Cópiela o descárguela otra vez; si aún no se puede leer, ábrala en Excel o LibreOffice y guarde una copia nueva.' },
  },
  workbook_damaged: {
    en: { message: (p) => `This spreadsheet${p.format ? ` (.${p.format})` : ''} could not be read; it may be damaged`, hint: RESAVE.en },
    es: { message: (p) => `No se pudo leer esta hoja de cálculo${p.format ? ` (.${p.format})` : ''}; puede estar dañada`, hint: RESAVE.es },
  },
  rows_out_of_order: {
    en: { message: (p) => `The rows of this spreadsheet are stored out of order${p.row ? ` (row ${p.row} comes after row ${p.after})` : ''}, so it is damaged or was made by a faulty program`, hint: RESAVE.en },
    es: { message: (p) => `Las filas de esta hoja de cálculo están guardadas en desorden${p.row ? ` (la fila ${p.row} viene después de la fila ${p.after})` : ''}, así que está dañada o la hizo un programa defectuoso`, hint: RESAVE.es },
  },
  password_protected: {
    en: { message: 'This file is protected with a password', hint: 'Open it with its password and save a copy without one (in Excel: File › Info › Protect Workbook › Encrypt with Password, then clear the password).' },
    es: { message: 'Este archivo está protegido con contraseña', hint: 'Ábralo con su contraseña y guarde una copia sin contraseña (en Excel: Archivo › Información › Proteger libro › Cifrar con contraseña, y borre la contraseña).' },
  },
  workbook_too_large: {
    en: { message: (p) => `${p.part === 'part' ? 'One sheet of this spreadsheet (or its texts) takes' : 'This spreadsheet takes'} more than ${num(p.max_mb, 'en')} MB once unpacked, more than a patient file should`, hint: 'Split it into several smaller spreadsheets.' },
    es: { message: (p) => `${p.part === 'part' ? 'Una hoja de este archivo (o sus textos) ocupa' : 'Esta hoja de cálculo ocupa'} más de ${num(p.max_mb, 'es')} MB al descomprimirse, más de lo que debe tener un archivo de pacientes`, hint: 'Divídala en varias hojas de cálculo más pequeñas.' },
  },
  file_too_large: {
    en: { message: (p) => `This file is larger than ${num(p.max_mb, 'en')} MB, more than a patient file should be`, hint: 'Split it into several smaller files.' },
    es: { message: (p) => `Este archivo tiene más de ${num(p.max_mb, 'es')} MB, más de lo que debe tener un archivo de pacientes`, hint: 'Divídalo en varios archivos más pequeños.' },
  },
  not_a_regular_file: {
    en: { message: 'This is not a file but a folder or a device', hint: 'Choose the file itself.' },
    es: { message: 'Esto no es un archivo sino una carpeta o un dispositivo', hint: 'Elija el archivo mismo.' },
  },

  // ------------------------------------------------------------- sheets

  no_such_sheet: {
    en: { message: 'This spreadsheet has no sheet of that name or number', hint: 'Choose one of its sheets.' },
    es: { message: 'Esta hoja de cálculo no tiene una hoja con ese nombre o número', hint: 'Elija una de sus hojas.' },
  },
  no_sheets: {
    en: { message: 'This spreadsheet has no sheets', hint: 'Open it in Excel or LibreOffice and save a new copy.' },
    es: { message: 'Esta hoja de cálculo no tiene hojas', hint: 'Ábrala en Excel o LibreOffice y guarde una copia nueva.' },
  },
  no_visible_sheet: {
    en: { message: 'Every sheet of this spreadsheet is hidden', hint: 'Unhide the sheet that holds the patients (in Excel: right-click a sheet tab › Unhide), and save the file again.' },
    es: { message: 'Todas las hojas de esta hoja de cálculo están ocultas', hint: 'Muestre la hoja que tiene los pacientes (en Excel: clic derecho en una pestaña › Mostrar) y guarde otra vez el archivo.' },
  },
  sheet_not_a_table: {
    en: { message: 'The sheet read is a chart or macro sheet, not a table', hint: 'Move the sheet that holds the patients to the front, and save the file again.' },
    es: { message: 'La hoja que se leyó es un gráfico o una hoja de macros, no una tabla', hint: 'Ponga primero la hoja que tiene los pacientes y guarde otra vez el archivo.' },
  },

  // ------------------------------------------------------------- tables

  table_empty: {
    en: { message: (p) => (p.sheets ? 'The sheet read from this file is empty' : 'This file has nothing in it'), hint: (p) => `Fill in one row of column names and, under it, one row per patient.${FIRST_SHEET.en(p)}` },
    es: { message: (p) => (p.sheets ? 'La hoja que se leyó de este archivo está vacía' : 'Este archivo no tiene nada'), hint: (p) => `Llene una fila con los nombres de las columnas y, debajo, una fila por paciente.${FIRST_SHEET.es(p)}` },
  },
  no_header_row: {
    en: { message: (p) => `No row of column names was found: none of the first ${p.rows || 20} filled rows names two or more columns of the intake spreadsheet`, hint: (p) => `Put the column names in one row above the patients, as in ${BLANK_SHEET.en}.${FIRST_SHEET.en(p)}` },
    es: { message: (p) => `No se encontró la fila de los nombres de columna: ninguna de las primeras ${p.rows || 20} filas llenas nombra dos o más columnas de la hoja de pacientes`, hint: (p) => `Ponga los nombres de las columnas en una fila encima de los pacientes, como en ${BLANK_SHEET.es}.${FIRST_SHEET.es(p)}` },
  },
  no_patient_rows: {
    en: { message: (p) => `There is a row of column names${p.row ? ` (row ${p.row})` : ''}, but no patients under it`, hint: 'Add one row per patient under the column names.' },
    es: { message: (p) => `Hay una fila con los nombres de las columnas${p.row ? ` (fila ${p.row})` : ''}, pero no hay pacientes debajo`, hint: 'Agregue una fila por paciente debajo de los nombres de las columnas.' },
  },
  missing_columns: {
    en: {
      message: (p) => {
        const dup = (p.duplicated || []).length ? `, and more than one column stands for ${labels(p.duplicated, 'en')}` : '';
        return `The row of column names${p.row ? ` (row ${p.row})` : ''} has no column for ${labels(p.fields, 'en')}, which every patient needs${dup}`;
      },
      hint: (p) => `Add ${(p.fields || []).length === 1 ? 'a column' : 'columns'} for ${labels(p.fields, 'en')}, with the header ${BLANK_SHEET.en} gives ${(p.fields || []).length === 1 ? 'it' : 'them'}.${(p.duplicated || []).length ? ' Keep one column per question and delete or rename the others.' : ''}`,
    },
    es: {
      message: (p) => {
        const dup = (p.duplicated || []).length ? `, y hay más de una columna para ${labels(p.duplicated, 'es')}` : '';
        return `La fila de los nombres de columna${p.row ? ` (fila ${p.row})` : ''} no tiene columna para ${labels(p.fields, 'es')}, que todo paciente necesita${dup}`;
      },
      hint: (p) => `Agregue ${(p.fields || []).length === 1 ? 'una columna' : 'columnas'} para ${labels(p.fields, 'es')}, con el encabezado que ${(p.fields || []).length === 1 ? 'tiene' : 'tienen'} en ${BLANK_SHEET.es}.${(p.duplicated || []).length ? ' Deje una columna por pregunta y borre o cambie el nombre de las demás.' : ''}`,
    },
  },
  duplicate_columns: {
    en: { message: (p) => `More than one column stands for ${labels(p.fields, 'en')}${(p.columns || []).length ? ` (columns ${andList(p.columns, 'en')})` : ''}`, hint: 'Keep one column per question and delete or rename the others.' },
    es: { message: (p) => `Hay más de una columna para ${labels(p.fields, 'es')}${(p.columns || []).length ? ` (columnas ${andList(p.columns, 'es')})` : ''}`, hint: 'Deje una columna por pregunta y borre o cambie el nombre de las demás.' },
  },
  too_many_columns: {
    en: { message: (p) => `There is something in column ${p.column || '?'}${p.row ? ` (row ${p.row})` : ''}, beyond the ${num(p.max, 'en')} columns a patient table may use`, hint: RIGHT_OF_TABLE.en },
    es: { message: (p) => `Hay algo en la columna ${p.column || '?'}${p.row ? ` (fila ${p.row})` : ''}, más allá de las ${num(p.max, 'es')} columnas que puede usar una tabla de pacientes`, hint: RIGHT_OF_TABLE.es },
  },
  too_many_cells: {
    en: { message: (p) => `This table has more than ${num(p.max, 'en')} filled cells, more than a patient file should`, hint: 'Split it into several smaller files.' },
    es: { message: (p) => `Esta tabla tiene más de ${num(p.max, 'es')} celdas llenas, más de lo que debe tener un archivo de pacientes`, hint: 'Divídala en varios archivos más pequeños.' },
  },
  cells_repeated: {
    en: { message: (p) => `This spreadsheet repeats its cells (formatting copied far down or to the right) to more than ${num(p.max, 'en')} cells`, hint: 'Delete the rows and columns beyond the patient table, or copy the table alone into a new file.' },
    es: { message: (p) => `Esta hoja de cálculo repite sus celdas (formato copiado muy abajo o muy a la derecha) hasta más de ${num(p.max, 'es')} celdas`, hint: 'Borre las filas y columnas que están fuera de la tabla de pacientes, o copie solo la tabla en un archivo nuevo.' },
  },
  too_many_patients: {
    en: { message: (p) => `This file has more than ${num(p.max, 'en')} patients`, hint: (p) => `Split it into several files of at most ${num(p.max, 'en')} patients.` },
    es: { message: (p) => `Este archivo tiene más de ${num(p.max, 'es')} pacientes`, hint: (p) => `Divídalo en varios archivos de ${num(p.max, 'es')} pacientes como máximo.` },
  },

  // --------------------------------------------------- text, CSV, JSON

  not_utf8: {
    en: {
      message: (p) => (p.found === 'utf16' ? 'This file is saved as UTF-16 text; it must be UTF-8'
        : `${p.line ? `Line ${p.line} of this file` : 'This file'} is not UTF-8 text; the file was probably saved in another encoding`),
      hint: (p, c) => (p.format === 'csv' ? SAVE_CSV.en : c.clinic ? 'Save it again with the encoding UTF-8.' : YOUR_FILE.en),
    },
    es: {
      message: (p) => (p.found === 'utf16' ? 'Este archivo está guardado como texto UTF-16; debe ser UTF-8'
        : `${p.line ? `La línea ${p.line} de este archivo` : 'Este archivo'} no es texto UTF-8; seguramente el archivo se guardó con otra codificación`),
      hint: (p, c) => (p.format === 'csv' ? SAVE_CSV.es : c.clinic ? 'Guárdelo otra vez con la codificación UTF-8.' : YOUR_FILE.es),
    },
  },
  not_text: {
    en: { message: (p) => `Line ${p.line || 1} has characters a text file does not have: the file is not CSV text, or is saved as UTF-16`, hint: SAVE_CSV.en },
    es: { message: (p) => `La línea ${p.line || 1} tiene caracteres que un archivo de texto no tiene: el archivo no es texto CSV, o está guardado como UTF-16`, hint: SAVE_CSV.es },
  },
  not_in_encoding: {
    en: { message: (p) => `Line ${p.line || 1} is not valid ${p.encoding || ''} text`, hint: SAVE_CSV.en },
    es: { message: (p) => `La línea ${p.line || 1} no es texto ${p.encoding || ''} válido`, hint: SAVE_CSV.es },
  },
  unclosed_quote: {
    en: { message: (p) => `A quote (") opened on line ${p.line || 1} is never closed, so the rest of the file would be read as one value`, hint: 'Add the missing closing " on that line (a value that holds quotes must double them: ""), or save the file again from the spreadsheet program.' },
    es: { message: (p) => `Unas comillas (") que se abren en la línea ${p.line || 1} nunca se cierran, así que el resto del archivo se leería como un solo valor`, hint: 'Agregue las comillas de cierre (") que faltan en esa línea (un valor que contiene comillas debe duplicarlas: ""), o guarde el archivo otra vez desde el programa de hoja de cálculo.' },
  },
  csv_unreadable: {
    en: { message: (p) => `Line ${p.line || 1} could not be read as CSV`, hint: SAVE_CSV.en },
    es: { message: (p) => `La línea ${p.line || 1} no se pudo leer como CSV`, hint: SAVE_CSV.es },
  },
  line_too_wide: {
    en: { message: (p) => `Line ${p.line || 1} has more than ${num(p.max, 'en')} values, more than any spreadsheet has columns`, hint: `Check that the file is a table saved as CSV. ${RIGHT_OF_TABLE.en}` },
    es: { message: (p) => `La línea ${p.line || 1} tiene más de ${num(p.max, 'es')} valores, más columnas de las que tiene cualquier hoja de cálculo`, hint: `Revise que el archivo sea una tabla guardada como CSV. ${RIGHT_OF_TABLE.es}` },
  },
  json_syntax: {
    en: {
      message: (p) => `${p.line ? `This file has a mistake at line ${p.line}, column ${p.column}` : 'This file has a mistake'}: ${pick(JSON_PROBLEM, p.problem, 'en', 'other')}`,
      hint: (p, c) => (c.clinic ? 'Fix the JSON at that place (a missing comma or quote is the usual cause), or save the data again from the program that made it.'
        : `The file may have been changed by hand or damaged. Open the copy you saved with “${UI.en.save}”, or fill in the form again.`),
    },
    es: {
      message: (p) => `${p.line ? `Este archivo tiene un error en la línea ${p.line}, columna ${p.column}` : 'Este archivo tiene un error'}: ${pick(JSON_PROBLEM, p.problem, 'es', 'other')}`,
      hint: (p, c) => (c.clinic ? 'Corrija el JSON en ese lugar (lo más común es que falte una coma o unas comillas), o guarde los datos otra vez desde el programa que los hizo.'
        : `Puede que el archivo se haya cambiado a mano o se haya dañado. Abra la copia que guardó con «${UI.es.save}», o llene el formulario otra vez.`),
    },
  },
  patients_beside_other_keys: {
    en: { message: 'Next to "patients", this file has other entries', hint: 'Put every patient inside the "patients" list and remove the other entries.' },
    es: { message: 'Además de "patients", este archivo tiene otras entradas', hint: 'Ponga a todos los pacientes dentro de la lista "patients" y quite las demás entradas.' },
  },
  patients_not_a_list: {
    en: { message: '"patients" is not a list in this file', hint: 'Write it as "patients": [ {...}, {...} ].' },
    es: { message: '"patients" no es una lista en este archivo', hint: 'Escríbalo como "patients": [ {...}, {...} ].' },
  },
  no_patient_record: {
    en: { message: 'This file holds no patient', hint: (p, c) => (c.clinic ? 'Write one patient as an object { ... }, or several as a list [ {...}, {...} ].' : YOUR_FILE.en) },
    es: { message: 'Este archivo no tiene ningún paciente', hint: (p, c) => (c.clinic ? 'Escriba un paciente como un objeto { ... }, o varios como una lista [ {...}, {...} ].' : YOUR_FILE.es) },
  },
  empty_patient_list: {
    en: { message: 'The list of patients in this file is empty', hint: 'Add at least one patient.' },
    es: { message: 'La lista de pacientes de este archivo está vacía', hint: 'Agregue al menos un paciente.' },
  },

  // ------------------------------------------------ the clinic profile

  clinic_profile_invalid: {
    en: {
      message: (p) => `The clinic profile has a mistake${p.line ? ` at line ${p.line}, column ${p.column}` : ''}: ${{ not_text: 'a value is not text', keys: 'an entry is one the profile does not take, or "name" is missing' }[p.problem] || 'it is not valid JSON'}`,
      hint: (p) => (p.problem === 'not_text' ? 'Write every value as text in quotes, for example "phone": "217-555-0100".' : PROFILE_KEYS.en),
    },
    es: {
      message: (p) => `El perfil de la clínica tiene un error${p.line ? ` en la línea ${p.line}, columna ${p.column}` : ''}: ${{ not_text: 'un valor no es texto', keys: 'una entrada no es de las que acepta el perfil, o falta "name"' }[p.problem] || 'no es JSON válido'}`,
      hint: (p) => (p.problem === 'not_text' ? 'Escriba cada valor como texto entre comillas, por ejemplo "phone": "217-555-0100".' : PROFILE_KEYS.es),
    },
  },
  clinic_profile_too_large: {
    en: { message: (p) => `The clinic profile is larger than ${num(p.max_mb, 'en')} MB`, hint: 'A clinic profile is a few lines of text; check that you chose the right file.' },
    es: { message: (p) => `El perfil de la clínica tiene más de ${num(p.max_mb, 'es')} MB`, hint: 'Un perfil de clínica tiene unas pocas líneas de texto; revise que eligió el archivo correcto.' },
  },
  clinic_name_empty: {
    en: { message: 'The clinic profile’s "name" is empty', hint: 'Write the clinic’s name in it.' },
    es: { message: 'El "name" del perfil de la clínica está vacío', hint: 'Escriba allí el nombre de la clínica.' },
  },
  clinic_paper_invalid: {
    en: { message: 'The clinic profile’s "paper" is neither letter nor a4', hint: 'Write "paper": "letter" or "paper": "a4".' },
    es: { message: 'El "paper" del perfil de la clínica no es letter ni a4', hint: 'Escriba "paper": "letter" o "paper": "a4".' },
  },
  clinic_unprintable: {
    en: { message: (p) => `The clinic profile’s "${p.key || ''}" has letters the papers cannot print`, hint: 'Write it in Latin, Greek or Cyrillic letters.' },
    es: { message: (p) => `El "${p.key || ''}" del perfil de la clínica tiene letras que los documentos no pueden imprimir`, hint: 'Escríbalo con letras latinas, griegas o cirílicas.' },
  },
  logo_missing: {
    en: { message: 'The clinic profile names a logo file that was not chosen', hint: 'Choose the logo file together with clinic.json, or remove "logo" from the profile.' },
    es: { message: 'El perfil de la clínica nombra un archivo de logotipo que no se eligió', hint: 'Elija el archivo del logotipo junto con clinic.json, o quite "logo" del perfil.' },
  },
  logo_too_large: {
    en: { message: (p) => `The clinic logo is larger than ${num(p.max_mb || 5, 'en')} MB`, hint: (p) => `Save the logo as a PNG, JPEG or SVG file of at most ${num(p.max_mb || 5, 'en')} MB.` },
    es: { message: (p) => `El logotipo de la clínica tiene más de ${num(p.max_mb || 5, 'es')} MB`, hint: (p) => `Guarde el logotipo como archivo PNG, JPEG o SVG de ${num(p.max_mb || 5, 'es')} MB como máximo.` },
  },
  logo_not_an_image: {
    en: { message: 'The clinic logo is not a PNG, JPEG or SVG image', hint: 'Save the logo as PNG, JPEG or SVG.' },
    es: { message: 'El logotipo de la clínica no es una imagen PNG, JPEG o SVG', hint: 'Guarde el logotipo como PNG, JPEG o SVG.' },
  },
  logo_unreadable: {
    en: { message: 'The clinic logo could not be read as an image', hint: 'Open the logo in an image program and save it again as PNG, JPEG or SVG.' },
    es: { message: 'El logotipo de la clínica no se pudo leer como imagen', hint: 'Abra el logotipo en un programa de imágenes y guárdelo otra vez como PNG, JPEG o SVG.' },
  },
  image_refused: {
    en: {
      message: (p) => {
        const it = p.subject === 'logo' ? 'The clinic logo' : 'This file of the templates';
        const max = millions(p.max, 'en');
        return {
          too_large: `${it} ${p.inside_svg ? 'holds' : 'is'} a ${p.format || ''} image of ${num(p.width, 'en')} × ${num(p.height, 'en')} pixels, more than the ${max} million pixels allowed`,
          unreadable: `${it} ${p.inside_svg ? 'holds an image that starts' : 'starts'} like a ${p.format || ''} image, but its size cannot be read: the file is cut short or damaged`,
          compressed: `${it} is compressed (as an .svgz file is), which is not read`,
          pdf: `${it} is a PDF document, which is not used as an image`,
          filter: `${it} is an SVG with a filter (a blur or a shadow), which would be drawn as a large picture in every packet`,
          too_deep: `${it} is an SVG holding SVGs inside SVGs, too deep to be read`,
          total_too_large: `With ${it.toLowerCase()}, the images together hold more than the ${max} million pixels allowed`,
        }[p.reason] || `${it} cannot be used as an image`;
      },
      hint: (p) => ({
        too_large: `Save the image smaller: at most ${millions(p.max, 'en')} million pixels.`,
        compressed: 'Save it as a plain (uncompressed) SVG, or as PNG.',
        pdf: 'Export the page as a PNG or SVG image and use that file.',
        filter: 'Remove the filter in the drawing program, or save the image as PNG.',
        total_too_large: 'Make the images smaller, or keep only the images the templates show.',
      }[p.reason] || 'Open it in an image program and save it again as PNG or JPEG.'),
    },
    es: {
      message: (p) => {
        const it = p.subject === 'logo' ? 'El logotipo de la clínica' : 'Este archivo de las plantillas';
        const max = millions(p.max, 'es');
        return {
          too_large: `${it} ${p.inside_svg ? 'contiene' : 'es'} una imagen ${p.format || ''} de ${num(p.width, 'es')} × ${num(p.height, 'es')} píxeles, más de los ${max} millones de píxeles permitidos`,
          unreadable: `${it} ${p.inside_svg ? 'contiene una imagen que empieza' : 'empieza'} como una imagen ${p.format || ''}, pero no se puede leer su tamaño: el archivo está cortado o dañado`,
          compressed: `${it} está comprimido (como un archivo .svgz), y eso no se lee`,
          pdf: `${it} es un documento PDF, que no se usa como imagen`,
          filter: `${it} es un SVG con un filtro (un desenfoque o una sombra), que se dibujaría como una imagen grande en cada paquete`,
          too_deep: `${it} es un SVG con SVG dentro de otros SVG, a demasiada profundidad para leerlo`,
          total_too_large: `Con ${it.toLowerCase()}, las imágenes juntas tienen más de los ${max} millones de píxeles permitidos`,
        }[p.reason] || `${it} no se puede usar como imagen`;
      },
      hint: (p) => ({
        too_large: `Guarde la imagen más pequeña: ${millions(p.max, 'es')} millones de píxeles como máximo.`,
        compressed: 'Guárdelo como SVG simple (sin comprimir), o como PNG.',
        pdf: 'Exporte la página como imagen PNG o SVG y use ese archivo.',
        filter: 'Quite el filtro en el programa de dibujo, o guarde la imagen como PNG.',
        total_too_large: 'Haga las imágenes más pequeñas, o deje solo las imágenes que muestran las plantillas.',
      }[p.reason] || 'Ábralo en un programa de imágenes y guárdelo otra vez como PNG o JPEG.'),
    },
  },

  // --------------------------------------------------------- templates

  template_not_utf8: {
    en: { message: 'This template is not UTF-8 text', hint: 'Save it with the encoding UTF-8.' },
    es: { message: 'Esta plantilla no es texto UTF-8', hint: 'Guárdela con la codificación UTF-8.' },
  },
  template_name_unusable: {
    en: {
      message: (p) => ({
        dot_or_space: 'This file name ends with a dot or a space, which Windows drops, so the file cannot be copied or unpacked there',
        windows_character: 'This file name holds a character Windows does not allow in file names (< > : " / \\ | ? *)',
        device_name: 'Windows keeps this file name for a device (such as CON or PRN), so the file cannot be made or unpacked there',
      }[p.reason] || 'This template or image file name cannot be used'),
      hint: 'Rename it using only letters, digits, spaces, -, _ and one dot before the extension.',
    },
    es: {
      message: (p) => ({
        dot_or_space: 'Este nombre de archivo termina en un punto o un espacio, que Windows quita, así que el archivo no se puede copiar ni descomprimir allí',
        windows_character: 'Este nombre de archivo tiene un carácter que Windows no permite en los nombres de archivo (< > : " / \\ | ? *)',
        device_name: 'Windows reserva este nombre de archivo para un dispositivo (como CON o PRN), así que el archivo no se puede crear ni descomprimir allí',
      }[p.reason] || 'Este nombre de plantilla o de imagen no se puede usar'),
      hint: 'Cámbiele el nombre usando solo letras, números, espacios, -, _ y un punto antes de la extensión.',
    },
  },
  template_named_packet: {
    en: { message: 'This template would make a document named like packet.pdf, which holds the whole packet', hint: 'Rename the template, for example to packet-notes.typ.' },
    es: { message: 'Esta plantilla haría un documento con el mismo nombre que packet.pdf, que contiene todo el paquete', hint: 'Cambie el nombre de la plantilla, por ejemplo a packet-notes.typ.' },
  },
  template_name_case: {
    en: {
      message: (p) => `${p.other === 'built_in' ? 'This file’s name differs only in capital letters from a built-in template' : 'Two files of the templates have names that differ only in capital letters'}, and Windows and macOS take the two for one file`,
      hint: (p) => (p.other === 'built_in' ? 'To replace the built-in template, give the file exactly its name; to add a document, give it another name.' : 'Rename one of the two so that their names differ in more than capital letters.'),
    },
    es: {
      message: (p) => `${p.other === 'built_in' ? 'El nombre de este archivo se diferencia solo en mayúsculas de una plantilla incluida' : 'Dos archivos de las plantillas tienen nombres que se diferencian solo en mayúsculas'}, y Windows y macOS los toman por un solo archivo`,
      hint: (p) => (p.other === 'built_in' ? 'Para reemplazar la plantilla incluida, dele exactamente su nombre; para agregar un documento, dele otro nombre.' : 'Cambie el nombre de uno de los dos para que se diferencien en algo más que mayúsculas.'),
    },
  },
  too_many_template_files: {
    en: { message: (p) => `The templates hold more than ${num(p.max || 200, 'en')} files, or a file over ${num(p.max_mb || 5, 'en')} MB`, hint: 'Keep only the templates and the images they use.' },
    es: { message: (p) => `Las plantillas tienen más de ${num(p.max || 200, 'es')} archivos, o un archivo de más de ${num(p.max_mb || 5, 'es')} MB`, hint: 'Deje solo las plantillas y las imágenes que usan.' },
  },
  templates_zip_unreadable: {
    en: { message: 'The ZIP of templates could not be unpacked: it is damaged, or too large', hint: 'Zip the templates folder again, with only the templates and the images they use.' },
    es: { message: 'No se pudo descomprimir el ZIP de plantillas: está dañado o es demasiado grande', hint: 'Comprima otra vez la carpeta de plantillas, con solo las plantillas y las imágenes que usan.' },
  },
  template_missing: {
    en: { message: (p) => `This template is missing: every language needs all ${p.count || ''} document templates`, hint: 'Add the missing template (a copy of the built-in one will do), or remove that language’s folder.' },
    es: { message: (p) => `Falta esta plantilla: cada idioma necesita las ${p.count || ''} plantillas de documentos`, hint: 'Agregue la plantilla que falta (sirve una copia de la incluida), o quite la carpeta de ese idioma.' },
  },
  template_document_name: {
    en: { message: 'This template’s name cannot be the name of a document of the packet', hint: 'Use only letters, digits, - and _ in template file names, and not “packet”.' },
    es: { message: 'El nombre de esta plantilla no puede ser el nombre de un documento del paquete', hint: 'Use solo letras, números, - y _ en los nombres de las plantillas, y no «packet».' },
  },
  template_too_long: {
    en: { message: (p) => `With this template, the sample packet came out longer than ${p.max || ''} pages`, hint: 'Look for content that repeats without end in this template.' },
    es: { message: (p) => `Con esta plantilla, el paquete de prueba salió con más de ${p.max || ''} páginas`, hint: 'Busque en esta plantilla algo que se repita sin fin.' },
  },
  template_failed: {
    en: { message: 'This template could not be built', hint: 'Fix the template at the place the details below show; nothing was made.' },
    es: { message: 'No se pudo armar esta plantilla', hint: 'Corrija la plantilla en el lugar que indican los detalles de abajo; no se hizo nada.' },
  },
  template_documents_not_apart: {
    en: { message: 'The templates were built, but the pages of their documents could not be told apart', hint: 'Keep lib.typ’s “render” as it is (it marks where each document starts), and do not give two documents the same label.' },
    es: { message: 'Las plantillas se armaron, pero no se pudieron separar las páginas de sus documentos', hint: 'Deje «render» de lib.typ tal como está (marca dónde empieza cada documento), y no dé la misma etiqueta a dos documentos.' },
  },
  template_stopped: {
    en: { message: (p) => ({ time: 'Checking the templates took too long', memory: 'Checking the templates needed too much memory' }[p.reason] || 'Checking the templates stopped unexpectedly'), hint: 'Look for a loop that never ends, or a document that repeats without end, in the templates you changed or added.' },
    es: { message: (p) => ({ time: 'La revisión de las plantillas tardó demasiado', memory: 'La revisión de las plantillas necesitó demasiada memoria' }[p.reason] || 'La revisión de las plantillas se detuvo de forma inesperada'), hint: 'Busque en las plantillas que cambió o agregó un ciclo que no termina, o un documento que se repite sin fin.' },
  },

  // ------------------------------------------- reports of a divided run

  report_unusable: {
    en: { message: 'This is not a report this program wrote', hint: 'Make that part of the run again to write a new report, or move this file away.' },
    es: { message: 'Este no es un informe escrito por este programa', hint: 'Vuelva a hacer esa parte del proceso para escribir un informe nuevo, o quite este archivo de allí.' },
  },
  reports_differ: {
    en: { message: 'These reports come from different runs or different files', hint: 'Make every part again from the same files, or move the reports of the other run away.' },
    es: { message: 'Estos informes vienen de procesos o archivos distintos', hint: 'Vuelva a hacer todas las partes con los mismos archivos, o quite de allí los informes del otro proceso.' },
  },

  // ------------------------------------------------------------- others

  bad_option: {
    en: { message: (p) => ({ date: 'The date the page uses is not a real date', language: 'The page asked for a language the papers are not written in', paper: 'The page asked for a paper size that does not exist' }[p.option] || 'A setting cannot be used'), hint: 'Reload the page and try again.' },
    es: { message: (p) => ({ date: 'La fecha que usa la página no es una fecha real', language: 'La página pidió un idioma en que no están escritos los documentos', paper: 'La página pidió un tamaño de papel que no existe' }[p.option] || 'Una opción no se puede usar'), hint: 'Cargue la página de nuevo e inténtelo otra vez.' },
  },
  file_system: {
    en: { message: 'A file or folder could not be read or written', hint: 'Check its name, and that you may read or write there, then try again.' },
    es: { message: 'No se pudo leer o escribir un archivo o una carpeta', hint: 'Revise su nombre y que tenga permiso para leer o escribir allí, y vuelva a intentarlo.' },
  },
  bundle_failed: {
    en: { message: 'The packets could not be put into one ZIP file', hint: 'Try again; if it happens again, make the packets in smaller groups.' },
    es: { message: 'No se pudieron juntar los paquetes en un archivo ZIP', hint: 'Intente otra vez; si vuelve a pasar, haga los paquetes en grupos más pequeños.' },
  },
  internal: {
    en: { message: 'The page asked the packet maker for something out of turn', hint: 'Reload the page and try again; if it happens again, tell whoever set up this page.' },
    es: { message: 'La página le pidió algo al programa que hace los paquetes en un orden equivocado', hint: 'Cargue la página de nuevo e inténtelo otra vez; si vuelve a pasar, avise a quien instaló esta página.' },
  },
};

const capital = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
const sentence = (text) => (/[.?!]$/.test(text) ? text : `${text}.`);

/**
 * A problem (or record warning) from the core, in words: { message, hint }.
 * `problem` is { code, params, field?, fields? }. Options: `label`, how to
 * name the field (its label on the patient page), said first; `clinic`,
 * true in clinic mode (choices are then the codes a sheet holds); `boxes`,
 * true for a date field shown as day/month/year boxes.
 */
export function problemText(problem, lang, { label = '', clinic = false, boxes = false } = {}) {
  const words = PROBLEM_WORDS[problem.code];
  if (!words || !words[lang]) throw new Error(`no ${lang} words for the problem code ${problem.code}`);
  const params = problem.params || {};
  const ctx = { field: problem.field || null, fields: problem.fields || [], clinic, boxes };
  const say = (w) => (typeof w === 'function' ? w(params, ctx) : w);
  const message = say(words[lang].message);
  return {
    message: label ? `${label}: ${message}` : capital(message),
    hint: sentence(capital(say(words[lang].hint))),
  };
}

/**
 * How clinic mode names where a problem is: the sheet's own column
 * ("column C, “Date of Birth”") for a row of a spreadsheet or CSV file,
 * else the field's label on the patient page, else nothing.
 */
export function problemPlace(problem, lang) {
  if (problem.column) {
    const column = lang === 'es' ? 'columna' : 'column';
    return problem.header ? `${column} ${problem.column}, ${QUOTE[lang](problem.header)}` : `${column} ${problem.column}`;
  }
  if (problem.field && FIELD_WORDS[problem.field]) return FIELD_WORDS[problem.field][lang].label;
  return '';
}

/** The core's place of a record ("row 12", "record 3") in a language. */
export function placeWords(place, lang) {
  const m = /^(row|record) (\d+)$/.exec(place || '');
  if (!m || lang === 'en') return place || '';
  return `${m[1] === 'row' ? 'fila' : 'registro'} ${m[2]}`;
}

/**
 * Checks that PROBLEM_WORDS words exactly the codes the core lists, in
 * every language, and that each wording runs without parameters; returns
 * the mismatches (empty when all is well).
 */
export function problemGaps(codes) {
  const gaps = [];
  for (const code of codes) {
    const w = PROBLEM_WORDS[code];
    if (!w) { gaps.push(`problem code ${code} has no words`); continue; }
    for (const lang of LANGUAGES) {
      if (!w[lang] || !w[lang].message || !w[lang].hint) { gaps.push(`problem code ${code} has no ${lang} message or hint`); continue; }
      for (const clinic of [false, true]) {
        try {
          problemText({ code, params: {}, field: null }, lang, { clinic });
        } catch (err) {
          gaps.push(`problem code ${code} cannot be worded in ${lang}: ${err.message}`);
        }
      }
    }
  }
  for (const code of Object.keys(PROBLEM_WORDS)) {
    if (!codes.includes(code)) gaps.push(`words name the problem code ${code}, which the core does not give`);
  }
  return gaps;
}
